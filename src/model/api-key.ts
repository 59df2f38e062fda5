/** A user key as stored (the key itself never is, only its hash). */
export interface ApiKeyRecord {
  id: string;
  name: string;
  createdAt: number;
}
