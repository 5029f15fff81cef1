// piscina task for the bench peer: the tiniest useful task, return what was sent. Plain
// JavaScript because piscina starts its own workers, which do not get tsx's loader.
export default function echo(message) {
  return message;
}
