// Task module of the pool tests: returns the task's bytes as they came (the tiniest task).
export default function echo(task: Uint8Array): Uint8Array {
  return task;
}
