/** Redis Stream entry ids ("ms-seq"): comparing and validating them. */

const ID = /^(\d{1,20})-(\d{1,20})$/;

/** True when the text is a complete stream entry id. */
export function isStreamId(text: string): boolean {
  return ID.test(text);
}

/** Orders two entry ids: negative when a < b, 0 when equal, positive when a > b. */
export function compareStreamIds(a: string, b: string): number {
  const ma = ID.exec(a);
  const mb = ID.exec(b);
  if (!ma || !mb) throw new Error(`not a stream id: ${ma ? b : a}`);
  const ms = BigInt(ma[1]!) - BigInt(mb[1]!);
  if (ms !== 0n) return ms < 0n ? -1 : 1;
  const seq = BigInt(ma[2]!) - BigInt(mb[2]!);
  return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}
