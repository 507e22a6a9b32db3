#!/usr/bin/env node
// Runnel from Node.js with nothing but the .proto files: publish N records idempotently on a
// Publish stream, then consume them as a member of a consumer group on a Subscribe stream, acking
// (and so committing) what was processed. Exits 0 only if every record was acknowledged in order
// and received, and the group committed past it. See README.md in this folder.
'use strict';
const path = require('path');
const crypto = require('crypto');
const { parseArgs } = require('util');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_DIR = path.join(__dirname, '..', '..', 'proto', 'src', 'main', 'proto');
// Loaded at run time, nothing generated. int64 as Number (exact up to 2^53), enums as names,
// `kind` names the member of a oneof that is set.
const definition = protoLoader.loadSync('runnel/v1/stream.proto',
  { includeDirs: [PROTO_DIR], keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true });
const { Stream } = grpc.loadPackageDefinition(definition).runnel.v1;

function publish(client, topic, run, count, deadline) {
  return new Promise((resolve, reject) => {
    const call = client.Publish({ deadline });
    const last = new Map(); // partition -> [sequence, offset] of its latest ack
    let sent = 0;
    let acked = 0;
    const fail = (message) => { reject(new Error(message)); call.cancel(); };
    const sendNext = () => {
      const record = { key: Buffer.from(`key-${sent % 7}`), value: Buffer.from(`${run}-${sent}`) };
      call.write({ message: { sequence: sent, topic, records: [record] } });
      sent++;
    };
    call.on('data', (response) => {
      if (response.kind === 'opened') { // keep at most max_in_flight unacknowledged: writes never block
        for (let i = 0; i < Math.min(response.opened.max_in_flight, count); i++) sendNext();
        return;
      }
      const ack = response.ack;
      if (ack.error !== 'NONE') return fail(`message ${ack.sequence} failed: ${ack.error} ${ack.error_message}`);
      const [sequence, offset] = last.get(ack.partition) || [-1, -1];
      if (ack.sequence <= sequence || ack.offset <= offset) {
        return fail(`acks of partition ${ack.partition} out of order: ${ack.sequence}@${ack.offset} after ${sequence}@${offset}`);
      }
      last.set(ack.partition, [ack.sequence, ack.offset]);
      acked++;
      if (sent < count) sendNext();
      else if (acked === count) call.end(); // half-close: the broker ends the stream with OK
    });
    call.on('error', reject);
    call.on('end', () => {
      if (acked !== count) return fail(`the stream ended after ${acked} of ${count} acks`);
      console.log(`published ${acked} records to partitions [${[...last.keys()].sort().join(', ')}], acks in order`);
      resolve(acked);
    });
    call.write({ open: { delivery_timeout_ms: 10000 } }); // retries leader changes up to 10 s, then acks with the error
  });
}

function subscribe(client, topic, group, run, count, deadline) {
  return new Promise((resolve, reject) => {
    const call = client.Subscribe({ deadline });
    const received = new Set();
    const acked = new Map(); // partition -> next offset, acknowledged
    const committed = new Map(); // partition -> next offset, committed
    call.on('data', (response) => {
      const kind = response.kind;
      const body = response[kind];
      if (kind === 'joined') console.log(`joined group ${group} as ${body.member_id}`);
      else if (kind === 'assigned' || kind === 'revoked') console.log(`${kind} [${body.partitions.map((p) => p.partition).sort().join(', ')}]`);
      else if (kind === 'warning') console.log('warning:', body.error, body.message);
      else if (kind === 'records') {
        for (const r of body.records) {
          if (r.value.toString().startsWith(`${run}-`)) received.add(r.value.toString()); // process
        }
        const offset = body.records[body.records.length - 1].offset;
        call.write({ ack: { topic, partition: body.partition, offset } }); // cumulative
        acked.set(body.partition, offset + 1);
      } else if (kind === 'committed') {
        for (const c of body.offsets) if (c.topic === topic) committed.set(c.partition, c.offset);
      }
      const allCommitted = [...acked].every(([p, offset]) => (committed.get(p) ?? -1) >= offset);
      if (received.size === count && allCommitted && call.writable) call.end(); // leave the group
    });
    call.on('error', reject);
    call.on('end', () => {
      const offsets = [...committed].sort((a, b) => a[0] - b[0]).map(([p, o]) => `${p}: ${o}`).join(', ');
      console.log(`consumed ${received.size} records in group ${group}, committed {${offsets}}`);
      resolve(received.size);
    });
    call.write({ open: { group_id: group, topics: [topic], client_id: 'node-example' } });
  });
}

async function main() {
  const { values: args } = parseArgs({
    options: {
      bootstrap: { type: 'string', default: '127.0.0.1:9092' }, // any broker's client address
      topic: { type: 'string', default: 'examples' },
      count: { type: 'string', default: '1000' },
      group: { type: 'string', default: `node-example-${crypto.randomBytes(4).toString('hex')}` },
      timeout: { type: 'string', default: '60' }, // seconds, for each stream
    },
  });
  const count = Number(args.count);
  const run = crypto.randomUUID(); // marks this run's records, so a topic with older records works too
  const client = new Stream(args.bootstrap, grpc.credentials.createInsecure());
  const deadline = () => Date.now() + Number(args.timeout) * 1000;
  try {
    const published = await publish(client, args.topic, run, count, deadline());
    const consumed = await subscribe(client, args.topic, args.group, run, count, deadline());
    if (published !== count || consumed !== count) throw new Error(`published ${published}, consumed ${consumed} of ${count}`);
    console.log('OK');
  } catch (e) {
    console.error(`FAILED: ${e.message}`);
    process.exitCode = 1;
  } finally {
    client.close();
  }
}

main();
