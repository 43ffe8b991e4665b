/**
 * Bash functions shared by the application tests (defined, not run: a test pastes one into its
 * script and calls it).
 */

/**
 * `link_groups DIR`: one line per set of hard-linked regular files below DIR, the names relative
 * to DIR, sorted; the lines sorted. Equal output for two trees means the same files are linked
 * together, whatever the inode numbers are.
 */
export const LINK_GROUPS = `link_groups() {
  find "$1" -type f -links +1 -printf '%i %P\\n' \\
    | LC_ALL=C awk '{ names[$1] = names[$1] " " $2 } END { for (i in names) print names[i] }' \\
    | while read -r line; do printf '%s\\n' $line | LC_ALL=C sort | paste -sd ' '; done | LC_ALL=C sort
}`;

/**
 * `make_project DIR`: a small C project of 24 modules and a main. Every object depends on
 * common.h; main and the 12 even modules also on util.h, so touching util.h must rebuild exactly
 * 13 objects. `./app` prints "sum 300" (1 + ... + 24).
 */
export const MAKE_PROJECT = `make_project() {
  local d="$1" i objs="main.o" util="main.o"
  mkdir -p "$d"
  echo '#define NMOD 24' > "$d/common.h"
  echo '#define TWICE(x) ((x) * 2)' > "$d/util.h"
  { echo '#include <stdio.h>'; echo '#include "common.h"'; echo '#include "util.h"'
    for i in $(seq 1 24); do echo "int f$i(void);"; done
    echo 'int main(void) { int s = 0;'
    for i in $(seq 1 24); do echo "  s += f$i();"; done
    echo '  printf("sum %d\\n", TWICE(s) / 2); return s == 300 ? 0 : 1; }'; } > "$d/main.c"
  for i in $(seq 1 24); do
    { echo '#include "common.h"'
      if [ $((i % 2)) = 0 ]; then echo '#include "util.h"'; util="$util m$i.o"; fi
      echo "int f$i(void) { return $i; }"; } > "$d/m$i.c"
    objs="$objs m$i.o"
  done
  { echo "OBJS = $objs"
    echo 'app: $(OBJS)'; printf '\\tcc -o $@ $(OBJS)\\n'
    echo '%.o: %.c common.h'; printf '\\tcc -c -O1 -o $@ $<\\n'
    echo "$util: util.h"; } > "$d/Makefile"
}`;
