// The demo page's logic: one RTCPeerConnection per other member of the room.
// The newcomer makes the offers; members already there answer.
import { SignalClient } from './signal-client.js';

const $ = (id) => document.getElementById(id);
const log = (line) => { $('log').textContent += line + '\n'; $('log').scrollTop = 1e9; };
const peers = new Map(); // peerId -> { connection, channel, reconnecting }
let client;
let roomId;
let localStream = null;

function showPeers() {
  const names = [...peers.keys()].map((id) => {
    const { channel, reconnecting } = peers.get(id);
    return `${id.slice(0, 8)} (${channel?.readyState ?? 'new'}${reconnecting ? ', reconnecting' : ''})`;
  });
  $('peers').textContent = `peers: ${names.join(', ') || 'none yet'}`;
}

function openChannel(peerId, channel) {
  peers.get(peerId).channel = channel;
  channel.onopen = () => { log(`data channel to ${peerId.slice(0, 8)} open`); showPeers(); };
  channel.onclose = showPeers;
  channel.onmessage = (event) => log(`${peerId.slice(0, 8)}: ${event.data}`);
}

function connectionTo(peerId) {
  if (peers.has(peerId)) return peers.get(peerId).connection;
  const connection = new RTCPeerConnection({ iceServers: [] });
  peers.set(peerId, { connection, channel: null, reconnecting: false });
  connection.onicecandidate = (event) =>
    client.send('ice:candidate', { roomId, to: peerId, candidate: event.candidate ? event.candidate.toJSON() : null });
  connection.ondatachannel = (event) => openChannel(peerId, event.channel);
  connection.ontrack = (event) => {
    let video = document.getElementById(`video-${peerId}`);
    if (!video) {
      video = Object.assign(document.createElement('video'), { id: `video-${peerId}`, autoplay: true, playsInline: true });
      $('videos').append(video);
    }
    video.srcObject = event.streams[0];
  };
  localStream?.getTracks().forEach((track) => connection.addTrack(track, localStream));
  showPeers();
  return connection;
}

async function offerTo(peerId) {
  const connection = connectionTo(peerId);
  if (!peers.get(peerId).channel) openChannel(peerId, connection.createDataChannel('chat'));
  await connection.setLocalDescription(await connection.createOffer());
  client.send('sdp:offer', { roomId, to: peerId, sdp: connection.localDescription.toJSON() });
}

function removePeer(peerId) {
  peers.get(peerId)?.connection.close();
  peers.delete(peerId);
  document.getElementById(`video-${peerId}`)?.remove();
  showPeers();
}

function markReconnecting(peerId, reconnecting) {
  const peer = peers.get(peerId);
  if (peer) peer.reconnecting = reconnecting;
  showPeers();
}

/** Joins the room as the newcomer: it makes the offers. */
async function enterRoom() {
  $('status').textContent = `connected as ${client.peerId}`;
  const displayName = $('name').value;
  const joined = await client.request('room:join', displayName ? { roomId, displayName } : { roomId });
  log(`joined ${joined.roomId} with ${joined.peers.length} other peer(s)`);
  for (const peer of joined.peers) await offerTo(peer.peerId);
  showPeers();
}

async function join() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  client = new SignalClient(`${scheme}://${location.host}/ws`);
  window.signalClient = client; // for the console, and for the e2e test
  await client.connect();
  client.addEventListener('sdp:offer', async ({ detail }) => {
    const connection = connectionTo(detail.from);
    await connection.setRemoteDescription(detail.sdp);
    await connection.setLocalDescription(await connection.createAnswer());
    client.send('sdp:answer', { roomId, to: detail.from, sdp: connection.localDescription.toJSON() });
  });
  client.addEventListener('sdp:answer', ({ detail }) => peers.get(detail.from)?.connection.setRemoteDescription(detail.sdp));
  client.addEventListener('ice:candidate', ({ detail }) => {
    if (detail.candidate) peers.get(detail.from)?.connection.addIceCandidate(detail.candidate);
  });
  client.addEventListener('peer:joined', ({ detail }) => log(`${detail.peer.displayName || detail.peer.peerId.slice(0, 8)} joined`));
  client.addEventListener('peer:left', ({ detail }) => { log(`${detail.peerId.slice(0, 8)} left (${detail.reason})`); removePeer(detail.peerId); });
  // A peer whose socket dropped keeps its place (and its call with us) while the server waits for it to resume.
  client.addEventListener('peer:reconnecting', ({ detail }) => { log(`${detail.peerId.slice(0, 8)} reconnecting…`); markReconnecting(detail.peerId, true); });
  client.addEventListener('peer:resumed', ({ detail }) => { log(`${detail.peerId.slice(0, 8)} resumed`); markReconnecting(detail.peerId, false); });
  client.addEventListener('room:message', ({ detail }) => log(`${detail.from.slice(0, 8)} via server: ${JSON.stringify(detail.data)}`));
  // Our own socket dropped. A resume is not a new peer: the peer connections
  // stay up (media and data channels do not go through the server) and the
  // signaling they still need is queued by the client or replayed by the server.
  client.addEventListener('reconnecting', ({ detail }) => {
    log(`connection lost (${detail.code}), reconnecting…`);
    $('status').textContent = 'reconnecting…';
  });
  client.addEventListener('resumed', ({ detail }) => {
    log(`resumed as ${detail.peerId.slice(0, 8)}`);
    $('status').textContent = `connected as ${detail.peerId}`;
    // `rooms` is the membership now; whoever is missing left while we were away.
    const present = new Set(detail.rooms.find((room) => room.roomId === roomId)?.peers.map((peer) => peer.peerId));
    for (const peerId of [...peers.keys()]) if (!present.has(peerId)) removePeer(peerId);
  });
  // The server gave up on us and told the room we left: start over as a new peer.
  client.addEventListener('session-lost', ({ detail }) => {
    log(`session lost (${detail.reason})`);
    for (const peerId of [...peers.keys()]) removePeer(peerId);
    if (detail.connected) enterRoom().catch((error) => log(`rejoin failed: ${error.message}`));
  });
  client.addEventListener('error', ({ detail }) => log(`error ${detail.code}: ${detail.message}`));
  client.addEventListener('server:shutdown', () => log('server is shutting down'));
  client.addEventListener('close', ({ detail }) => { $('status').textContent = `disconnected (${detail.code})`; });

  roomId = $('room').value;
  await enterRoom();
  $('text').disabled = $('send').disabled = $('camera').disabled = false;
  $('join').disabled = true;
}

$('join').onclick = () => join().catch((error) => log(`join failed: ${error.message}`));
$('send').onclick = () => {
  const text = $('text').value;
  for (const { channel } of peers.values()) if (channel?.readyState === 'open') channel.send(text);
  log(`me: ${text}`);
  $('text').value = '';
};
$('camera').onclick = async () => {
  localStream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
  for (const [peerId, { connection }] of peers) {
    localStream.getTracks().forEach((track) => connection.addTrack(track, localStream));
    await connection.setLocalDescription(await connection.createOffer());
    client.send('sdp:offer', { roomId, to: peerId, sdp: connection.localDescription.toJSON() });
  }
};
