// Task module of the channel-fed pool test (bytes): a payload starting with 0xFF is refused
// (throws); any other comes back reversed, so a result is visibly the work's output.
export default function picky(task: Uint8Array): Uint8Array {
  if (task[0] === 0xff) throw new Error('0xFF payloads are refused');
  return Uint8Array.from(task).reverse();
}
