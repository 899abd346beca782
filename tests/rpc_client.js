// An RPC client written with Node's amqplib, to check that rpc/consumer.py
// answers clients that are not the tutorial's own.
// Usage: node rpc_client.js N...   Prints one line per request: N <reply>.
const amqplib = require("amqplib");

async function main() {
  const connection = await amqplib.connect(process.env.AMQP_URL);
  const channel = await connection.createChannel();
  const replies = new Map(); // correlation id -> the function awaiting it
  // Direct reply-to, as rpc/producer.py does: consume before publishing.
  await channel.consume("amq.rabbitmq.reply-to", (message) => {
    const answer = replies.get(message.properties.correlationId);
    if (answer) answer(message.content.toString());
  }, { noAck: true });
  for (const n of process.argv.slice(2)) {
    const id = `node-${n}-${Date.now()}`;
    const reply = new Promise((resolve) => replies.set(id, resolve));
    channel.sendToQueue("rpc.fibonacci", Buffer.from(n),
      { replyTo: "amq.rabbitmq.reply-to", correlationId: id });
    console.log(`${n} ${await reply}`);
  }
  await connection.close();
}

main().catch((error) => { console.error(error.message); process.exit(1); });
