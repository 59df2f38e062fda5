/** An item id as a comma-separated list holds it: ids are hex digests, so one with a comma is a bug, not data. */
export function listedId(id: string): string {
  if (id.includes(',')) throw new Error(`item id ${JSON.stringify(id)} cannot go in a comma-separated list`);
  return id;
}
