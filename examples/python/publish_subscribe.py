#!/usr/bin/python3
"""Runnel from Python with nothing but the .proto files: publish N records idempotently on a
Publish stream, then consume them as a member of a consumer group on a Subscribe stream, acking
(and so committing) what was processed. Exits 0 only if every record was acknowledged in order
and received, and the group committed past it. See README.md in this folder."""
import argparse, importlib, os, queue, shutil, subprocess, sys, tempfile, types, uuid

PROTO_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "proto", "src", "main", "proto")


def load_modules():
    """Compiles runnel/v1/*.proto into a temporary directory and imports the message classes.
    No service stubs are needed: a gRPC method is just its path, /runnel.v1.Stream/Publish."""
    out = tempfile.mkdtemp(prefix="runnel-proto-")
    protos = [os.path.join(PROTO_DIR, "runnel", "v1", f) for f in ("errors.proto", "records.proto", "stream.proto")]
    # protoc 3.15 or newer (proto3 `optional`): Debian's protobuf-compiler, or pip's grpcio-tools.
    protoc = [shutil.which("protoc")] if shutil.which("protoc") else [sys.executable, "-m", "grpc_tools.protoc"]
    subprocess.run(protoc + ["-I" + PROTO_DIR, "--python_out=" + out] + protos, check=True)
    sys.path.insert(0, out)
    pb = types.SimpleNamespace()  # every message and enum of the three files: pb.Record, pb.ErrorCode, pb.NONE
    for name in ("errors", "records", "stream"):
        vars(pb).update(vars(importlib.import_module("runnel.v1.%s_pb2" % name)))
    return pb


class Requests:
    """The client side of a bidirectional stream: grpcio reads it from its own thread."""
    def __init__(self, first):
        self.queue = queue.Queue()
        self.queue.put(first)

    def send(self, message):
        self.queue.put(message)

    def close(self):
        self.queue.put(None)

    def __iter__(self):
        return iter(self.queue.get, None)


def publish(channel, pb, topic, run, count, timeout):
    call = channel.stream_stream("/runnel.v1.Stream/Publish", request_serializer=pb.PublishRequest.SerializeToString,
                                 response_deserializer=pb.PublishResponse.FromString)
    # The broker retries leader changes and the like for up to 10 s, then acks with the error.
    requests = Requests(pb.PublishRequest(open=pb.PublishOpen(delivery_timeout_ms=10000)))
    sent, acked, last = 0, 0, {}  # last: partition -> (sequence, offset) of its latest ack

    def send_next():
        nonlocal sent
        record = pb.Record(key=b"key-%d" % (sent % 7), value=b"%s-%d" % (run.encode(), sent))
        requests.send(pb.PublishRequest(message=pb.PublishMessage(sequence=sent, topic=topic, records=[record])))
        sent += 1

    for response in call(iter(requests), timeout=timeout):
        if response.HasField("opened"):  # keep at most max_in_flight unacknowledged: writes never block
            for _ in range(min(response.opened.max_in_flight, count)):
                send_next()
            continue
        ack = response.ack
        if ack.error != pb.NONE:
            sys.exit("message %d failed: %s %s" % (ack.sequence, pb.ErrorCode.Name(ack.error), ack.error_message))
        previous = last.get(ack.partition, (-1, -1))
        if ack.sequence <= previous[0] or ack.offset <= previous[1]:
            sys.exit("acks of partition %d out of order: %s after %s" % (ack.partition, (ack.sequence, ack.offset), previous))
        last[ack.partition] = (ack.sequence, ack.offset)
        acked += 1
        if sent < count:
            send_next()
        elif acked == count:
            requests.close()  # half-close: the broker ends the stream with OK
    print("published %d records to partitions %s, acks in order" % (acked, sorted(last)))
    return acked


def subscribe(channel, pb, topic, group, run, count, timeout):
    call = channel.stream_stream("/runnel.v1.Stream/Subscribe", request_serializer=pb.SubscribeRequest.SerializeToString,
                                 response_deserializer=pb.SubscribeResponse.FromString)
    requests = Requests(pb.SubscribeRequest(open=pb.SubscribeOpen(group_id=group, topics=[topic], client_id="python-example")))
    received, acked, committed = set(), {}, {}  # acked and committed: partition -> next offset
    prefix, done = run.encode() + b"-", False
    for response in call(iter(requests), timeout=timeout):
        kind = response.WhichOneof("kind")
        if kind == "joined":
            print("joined group %s as %s" % (group, response.joined.member_id))
        elif kind in ("assigned", "revoked"):
            print(kind, sorted(p.partition for p in getattr(response, kind).partitions))
        elif kind == "warning":
            print("warning:", pb.ErrorCode.Name(response.warning.error), response.warning.message)
        elif kind == "records":
            batch = response.records
            received.update(r.value for r in batch.records if r.value.startswith(prefix))  # process
            last = batch.records[-1].offset
            requests.send(pb.SubscribeRequest(ack=pb.SubscribeAck(topic=topic, partition=batch.partition, offset=last)))
            acked[batch.partition] = last + 1
        elif kind == "committed":
            committed.update((c.partition, c.offset) for c in response.committed.offsets if c.topic == topic)
        if len(received) == count and all(committed.get(p, -1) >= o for p, o in acked.items()) and not done:
            done = True
            requests.close()  # leave the group; the broker ends the stream with OK
    print("consumed %d records in group %s, committed %s" % (len(received), group, dict(sorted(committed.items()))))
    return len(received)


def main():
    import grpc  # Debian: apt-get install python3-grpcio protobuf-compiler
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--bootstrap", default="127.0.0.1:9092", help="any broker's client address")
    args.add_argument("--topic", default="examples")
    args.add_argument("--count", type=int, default=1000)
    args.add_argument("--group", default="python-example-" + uuid.uuid4().hex[:8])
    args.add_argument("--timeout", type=float, default=60, help="seconds, for each stream")
    a = args.parse_args()
    pb = load_modules()
    run = uuid.uuid4().hex  # marks this run's records, so a topic with older records works too
    try:
        with grpc.insecure_channel(a.bootstrap) as channel:
            published = publish(channel, pb, a.topic, run, a.count, a.timeout)
            consumed = subscribe(channel, pb, a.topic, a.group, run, a.count, a.timeout)
    except grpc.RpcError as e:  # the stream ended with a gRPC status (stream.proto, top)
        sys.exit("FAILED: %s %s" % (e.code(), e.details()))
    if published != a.count or consumed != a.count:
        sys.exit("FAILED: published %d, consumed %d of %d" % (published, consumed, a.count))
    print("OK")


if __name__ == "__main__":
    main()
