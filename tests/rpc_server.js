// An RPC server written with Node's amqplib, to check that rpc/producer.py
// works with servers that are not the tutorial's own. It answers fib(n) as
// JSON, {"error": ...} for what is not a number, and prints "ready" first.
const amqplib = require("amqplib");

function fib(n) {
  let [a, b] = [0n, 1n];
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return a;
}

async function main() {
  const connection = await amqplib.connect(process.env.AMQP_URL);
  const channel = await connection.createChannel();
  await channel.assertQueue("rpc.fibonacci",
    { durable: true, arguments: { "x-queue-type": "quorum" } });
  await channel.prefetch(1);
  await channel.consume("rpc.fibonacci", (message) => {
    const text = message.content.toString();
    let reply;
    if (!/^\d+$/.test(text)) {
      reply = JSON.stringify({ error: `${text} is not a number, says node` });
    } else if (Number(text) > 1000) {
      reply = JSON.stringify({ error: "n must be at most 1000, says node" });
    } else {
      reply = `{"result": ${fib(Number(text))}}`; // JSON has no BigInt
    }
    channel.sendToQueue(message.properties.replyTo, Buffer.from(reply),
      { correlationId: message.properties.correlationId });
    channel.ack(message);
  });
  console.log("ready");
  process.on("SIGTERM", () => connection.close().then(() => process.exit(0)));
}

main().catch((error) => { console.error(error.message); process.exit(1); });
