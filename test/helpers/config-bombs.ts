/** Nine levels of nine YAML aliases each: 9^9 (387 million) strings once expanded. */
export function aliasBomb(): string {
  const names = 'abcdefghi';
  const lines = [`a: &a [${Array(9).fill('"x"').join(',')}]`];
  for (let i = 1; i < names.length; i++) {
    const prev = names[i - 1]!;
    lines.push(`${names[i]!}: &${names[i]!} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  return `apiVersion: fs-interposer/v1\nkind: LayerStack\n${lines.join('\n')}\nlayers: []\n`;
}
