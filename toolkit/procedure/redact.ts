/**
 * Every secret the toolkit resolves is registered here, and every line it prints passes through
 * redact(): a secret that slips into an error message (a driver echoing its SQL, say) is masked
 * rather than shown.
 */
const secrets = new Set<string>();

export function registerSecret(value: string): void {
  // Very short values would mask ordinary words; refusing them keeps output readable and is no loss:
  // the toolkit never generates a password that short.
  if (value.length >= 4) secrets.add(value);
}

export function redact(text: string): string {
  let out = text;
  // Longest first: a secret that begins another must not leave the longer one's tail showing.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.split(secret).join('***');
  }
  return out;
}
