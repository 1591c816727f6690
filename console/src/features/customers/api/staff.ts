/** A consultant as shown: their userid (names come with `GET /api/staff`). */
export function useStaffLabel(): (userid: string) => string {
  return (userid) => userid;
}
