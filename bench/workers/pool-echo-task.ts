// Task module of the pool bench cases: return the task as it came (bytes or, through a value
// codec, the decoded value). The pool's twin of piscina-echo-task.mjs.
export default function echo(task: unknown): unknown {
  return task;
}
