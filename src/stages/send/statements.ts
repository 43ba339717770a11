// Prepared statements cached per connection: the send loop runs the same few queries for every message,
// and preparing them each time cost more than running them.
export { cached as q } from '../../db/statements.js';
