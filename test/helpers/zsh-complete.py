"""Drive zsh's completion in a pseudo-terminal: source a completion script, type each test line
and TAB, then dump the edited line (a ^T widget writes $BUFFER to a file) and print it.
Usage: python3 zsh-complete.py SCRIPT LINE... -> one JSON list of the completed lines."""
import json, os, pty, select, shutil, sys, tempfile, time
script = sys.argv[1]
tests = sys.argv[2:]
d = tempfile.mkdtemp(prefix='fsi-zsh-')
out = os.path.join(d, 'buf')
pid, fd = pty.fork()
if pid == 0:
    os.environ['HOME'] = d
    os.environ['TERM'] = 'dumb'
    os.execvp('zsh', ['zsh', '-f', '-i'])
def send(s): os.write(fd, s.encode())
def drain(t=0.2):
    end = time.time() + t
    while time.time() < end:
        r,_,_ = select.select([fd],[],[],0.05)
        if r:
            try: os.read(fd, 65536)
            except OSError: return
setup = f"""autoload -U compinit; compinit -u; source {script}; dump() {{ print -r -- "$BUFFER" > {out}.tmp; mv {out}.tmp {out} }}; zle -N dump; bindkey '^T' dump; zstyle ':completion:*' list-prompt ''; unsetopt LIST_AMBIGUOUS; setopt MENU_COMPLETE\n"""
send(setup); drain(1.5)
results = []
for t in tests:
    if os.path.exists(out): os.unlink(out)
    send(t + "\t"); drain(0.6); send("\x14")
    end = time.time() + 10
    while not os.path.exists(out) and time.time() < end: drain(0.05)
    results.append(open(out).read().rstrip('\n') if os.path.exists(out) else None)
    send("\x15"); drain(0.2)   # ^U: clear the line
send("exit\n"); drain(0.3)
os.waitpid(pid, 0)
shutil.rmtree(d, ignore_errors=True)
print(json.dumps(results))
