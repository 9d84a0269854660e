/**
 * A first-in first-out queue with O(1) push and shift. The fleet keeps connections in the order
 * their deadlines fall (dial, verify, settle), so one sweep looks only at the expired head.
 */
export class Fifo<T> {
  /** Takes the items from the head while `due` says so, and hands each to `act`: a sweep of expired deadlines. */
  expire(due: (item: T) => boolean, act: (item: T) => void): void {
    for (let head = this.peek(); head !== undefined && due(head); head = this.peek()) act(this.shift() as T);
  }

  private items: T[] = [];
  private head = 0;

  push(item: T): void {
    this.items.push(item);
  }

  /** Returns the oldest item without removing it, or undefined when empty. */
  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  /** Returns and removes the oldest item, or undefined when empty. */
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes every item. */
  clear(): void {
    this.items = [];
    this.head = 0;
  }

  get size(): number {
    return this.items.length - this.head;
  }
}
