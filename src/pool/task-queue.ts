// The pool's queue of tasks not yet handed to a worker: first in, first out, except that tasks
// taken back from a dead worker go in at the front (they were handed out first). Aborted tasks
// stay in the array until dispatch reaches them and passes over them; `length` counts only the
// live ones (what backs up, for the elastic sizing and maxQueue).
import type { PoolTask } from './pool-task.js';

export class TaskQueue {
  private items: PoolTask[] = [];
  private head = 0;
  /** Put back at the front: taken before `items`, in order. */
  private front: PoolTask[] = [];
  private frontHead = 0;
  private live = 0;

  get length(): number {
    return this.live;
  }

  push(task: PoolTask): void {
    this.items.push(task);
    this.live++;
  }

  /** Tasks to run before anything queued, in the order given. */
  pushFront(tasks: readonly PoolTask[]): void {
    if (tasks.length === 0) return;
    const rest = this.front.slice(this.frontHead);
    this.front = [...tasks, ...rest];
    this.frontHead = 0;
    this.live += tasks.length;
  }

  /** The next live task, removed; undefined when there is none. */
  shift(): PoolTask | undefined {
    for (;;) {
      let task: PoolTask | undefined;
      if (this.frontHead < this.front.length) task = this.front[this.frontHead++];
      else if (this.head < this.items.length) task = this.items[this.head++];
      else {
        this.compact();
        return undefined;
      }
      if (this.frontHead === this.front.length && this.frontHead > 0) {
        this.front = [];
        this.frontHead = 0;
      }
      if (task!.state !== 'queued') continue; // aborted while it waited: already settled
      this.live--;
      if (this.head > 1024 && this.head * 2 > this.items.length) this.compact();
      return task;
    }
  }

  /** The next live task without removing it. */
  peek(): PoolTask | undefined {
    for (;;) {
      let task: PoolTask | undefined;
      if (this.frontHead < this.front.length) task = this.front[this.frontHead];
      else if (this.head < this.items.length) task = this.items[this.head];
      else return undefined;
      if (task!.state === 'queued') return task;
      // Drop the dead entry now so peek stays O(1) amortised.
      if (this.frontHead < this.front.length) this.frontHead++;
      else this.head++;
    }
  }

  /** A queued task was aborted: it no longer counts (dispatch passes over it). */
  forgetOne(): void {
    this.live--;
  }

  /** Takes every live task out (destroy, a pool whose worker cannot start). */
  drainAll(): PoolTask[] {
    const all: PoolTask[] = [];
    for (let t = this.shift(); t !== undefined; t = this.shift()) all.push(t);
    return all;
  }

  private compact(): void {
    this.items = this.items.slice(this.head);
    this.head = 0;
  }
}
