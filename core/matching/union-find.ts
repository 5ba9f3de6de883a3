/**
 * Union-find with cannot-link constraints: a merge that would put two
 * records known to be different children (twins, manual "different"
 * decisions) into one cluster is refused, so clusters never chain
 * through a conflict.
 */
export class ConstrainedUnionFind {
  private readonly parent: Int32Array;
  private readonly rank: Uint8Array;
  /** Circular member lists: next[i] is the next record in i's cluster. */
  private readonly next: Int32Array;
  private readonly sizes: Int32Array;
  /** root -> records that must not share a cluster with any member of root's cluster. */
  private readonly cannot = new Map<number, number[]>();

  constructor(size: number) {
    this.parent = new Int32Array(size);
    for (let i = 0; i < size; i++) this.parent[i] = i;
    this.rank = new Uint8Array(size);
    this.next = new Int32Array(size);
    for (let i = 0; i < size; i++) this.next[i] = i;
    this.sizes = new Int32Array(size).fill(1);
  }

  /** Number of records in i's cluster. */
  sizeOf(i: number): number {
    return this.sizes[this.find(i)]!;
  }

  /** Records of i's cluster (i included). */
  membersOf(i: number): number[] {
    const out = [i];
    for (let x = this.next[i]!; x !== i; x = this.next[x]!) out.push(x);
    return out;
  }

  find(x: number): number {
    let root = x;
    while (this.parent[root] !== root) root = this.parent[root]!;
    while (this.parent[x] !== root) {
      const next = this.parent[x]!;
      this.parent[x] = root;
      x = next;
    }
    return root;
  }

  /** Records that i and j must never end up in one cluster. */
  addCannotLink(i: number, j: number): void {
    const ri = this.find(i);
    const rj = this.find(j);
    (this.cannot.get(ri) ?? this.cannot.set(ri, []).get(ri)!).push(j);
    (this.cannot.get(rj) ?? this.cannot.set(rj, []).get(rj)!).push(i);
  }

  /** True when merging the clusters of i and j would violate a cannot-link. */
  wouldConflict(i: number, j: number): boolean {
    const ri = this.find(i);
    const rj = this.find(j);
    if (ri === rj) return false;
    const li = this.cannot.get(ri);
    const lj = this.cannot.get(rj);
    const [list, other] = (li?.length ?? 0) <= (lj?.length ?? 0) ? [li, rj] : [lj, ri];
    if (!list) return false;
    for (const x of list) if (this.find(x) === other) return true;
    return false;
  }

  /** Merges unless that violates a constraint; returns whether merged (or already together). */
  union(i: number, j: number): boolean {
    let ri = this.find(i);
    let rj = this.find(j);
    if (ri === rj) return true;
    if (this.wouldConflict(i, j)) return false;
    if (this.rank[ri]! < this.rank[rj]!) [ri, rj] = [rj, ri];
    this.parent[rj] = ri;
    if (this.rank[ri] === this.rank[rj]) this.rank[ri]!++;
    this.sizes[ri] = this.sizes[ri]! + this.sizes[rj]!;
    const t = this.next[i]!;
    this.next[i] = this.next[j]!;
    this.next[j] = t;
    const moved = this.cannot.get(rj);
    if (moved) {
      const target = this.cannot.get(ri);
      if (target) for (const x of moved) target.push(x);
      else this.cannot.set(ri, moved);
      this.cannot.delete(rj);
    }
    return true;
  }
}
