// The access matrix: who may do what to which table, asserted on both lanes through rls().
//
// Actors: anon (not signed in), owner (alice: owns the row, created the room, OWNER of the
// organization), admin (dave: ADMIN of alice's organization, in none of her rooms), member
// (bob: in alice's room, MEMBER of her organization), stranger (carol), service
// (service_role). The escalations add: dave's second account (mallory), a member who left a
// room by himself (frank), and an invitee (eve). Outcomes:
//   ok       — the statement succeeds and reaches the row
//   none     — RLS hides the row: a select sees nothing, an update/delete affects 0 rows
//   error    — Postgres refuses with 42501 (ForbiddenError): a WITH CHECK failed, no
//              privilege, or a membership rule
//   invalid  — refused as bad data (23514, 428C9: ValidationError), whoever asks
// Every write runs in a transaction that is rolled back, so each row starts from the fixture.

type Outcome = 'ok' | 'none' | 'error' | 'invalid'
type Row = [
  anon: Outcome,
  owner: Outcome,
  admin: Outcome,
  member: Outcome,
  stranger: Outcome,
  service: Outcome,
]
type Spec = { table: string; op: string; sql: string; expect: Row }

// {alice} {bob} {carol} {dave} {eve} {frank} {mallory} {ghost} {org} {otherOrg} {room}
// {otherRoom} {privateRoom} {vu} {orgBot} {otherOrgBot} {msg} {addr} {emb} {invitation} are
// fixture ids (see beforeAll). eve is a user in nothing (invited to the organization); ghost
// an auth user without a general_users row.
const matrix: Spec[] = [
  {
    table: 'general_users',
    op: 'select',
    sql: `select 1 from general_users where id = {alice}`,
    expect: ['ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
  },
  {
    table: 'general_users',
    op: 'insert',
    sql: `insert into general_users (id, display_name, account_name) values ({ghost}, 'G', 'ghost_user') returning 1`,
    expect: ['error', 'error', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'general_users',
    op: 'update',
    sql: `update general_users set display_name = 'X' where id = {alice} returning 1`,
    expect: ['error', 'ok', 'none', 'none', 'none', 'ok'],
  },
  {
    table: 'general_users',
    op: 'delete',
    sql: `delete from general_users where id = {alice} returning 1`,
    expect: ['error', 'ok', 'none', 'none', 'none', 'ok'],
  },
  {
    table: 'general_user_profiles',
    op: 'select',
    sql: `select 1 from general_user_profiles where user_id = {alice}`,
    expect: ['error', 'ok', 'none', 'none', 'none', 'ok'],
  },
  {
    table: 'general_user_profiles',
    op: 'insert',
    sql: `insert into general_user_profiles (user_id, bio) values ({alice}, 'b') on conflict (user_id) do update set bio = excluded.bio returning 1`,
    expect: ['error', 'ok', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'general_user_profiles',
    op: 'update',
    sql: `update general_user_profiles set bio = 'x' where user_id = {alice} returning 1`,
    expect: ['error', 'ok', 'none', 'none', 'none', 'ok'],
  },
  {
    table: 'general_user_profiles',
    op: 'delete',
    sql: `delete from general_user_profiles where user_id = {alice} returning 1`,
    expect: ['error', 'ok', 'none', 'none', 'none', 'ok'],
  },
  {
    table: 'addresses',
    op: 'select',
    sql: `select 1 from addresses where id = {addr}`,
    expect: ['error', 'ok', 'none', 'none', 'none', 'ok'],
  },
  {
    table: 'addresses',
    op: 'insert',
    sql: `insert into addresses (user_id, postal_code, country, city, line1) values ({alice}, '1', 'JP', 'Kyoto', '2-2') returning 1`,
    expect: ['error', 'ok', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'addresses',
    op: 'update',
    sql: `update addresses set city = 'Osaka' where id = {addr} returning 1`,
    expect: ['error', 'ok', 'none', 'none', 'none', 'ok'],
  },
  {
    table: 'addresses',
    op: 'delete',
    sql: `delete from addresses where id = {addr} returning 1`,
    expect: ['error', 'ok', 'none', 'none', 'none', 'ok'],
  },
  {
    table: 'embeddings',
    op: 'select',
    sql: `select 1 from embeddings where id = {emb}`,
    expect: ['error', 'ok', 'none', 'none', 'none', 'ok'],
  },
  {
    table: 'embeddings',
    op: 'insert',
    sql: `insert into embeddings (user_id, content, embedding) values ({alice}, 'another', array_fill(0.5, array[1536])::vector) returning 1`,
    expect: ['error', 'ok', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'embeddings',
    op: 'update',
    sql: `update embeddings set content = 'x' where id = {emb} returning 1`,
    expect: ['error', 'ok', 'none', 'none', 'none', 'ok'],
  },
  {
    table: 'embeddings',
    op: 'delete',
    sql: `delete from embeddings where id = {emb} returning 1`,
    expect: ['error', 'ok', 'none', 'none', 'none', 'ok'],
  },
  {
    table: 'organizations',
    op: 'select',
    sql: `select 1 from organizations where id = {org}`,
    expect: ['error', 'ok', 'ok', 'ok', 'none', 'ok'],
  },
  {
    table: 'organizations',
    op: 'insert',
    sql: `insert into organizations (name, slug) values ('N', 'new-org') returning 1`,
    expect: ['error', 'error', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'organizations',
    op: 'update',
    sql: `update organizations set name = 'X' where id = {org} returning 1`,
    expect: ['error', 'ok', 'ok', 'none', 'none', 'ok'],
  },
  {
    table: 'organizations',
    op: 'delete',
    sql: `delete from organizations where id = {org} returning 1`,
    expect: ['error', 'error', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'corporate_users',
    op: 'select',
    sql: `select 1 from corporate_users where id = {alice}`,
    expect: ['error', 'ok', 'ok', 'ok', 'none', 'ok'],
  },
  {
    table: 'corporate_users',
    op: 'insert',
    sql: `insert into corporate_users (id, organization_id, display_name) values ({eve}, {org}, 'Eve') returning 1`,
    expect: ['error', 'error', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'corporate_users',
    op: 'update',
    sql: `update corporate_users set display_name = 'X' where id = {alice} returning 1`,
    expect: ['error', 'ok', 'none', 'none', 'none', 'ok'],
  },
  {
    table: 'corporate_users',
    op: 'delete',
    sql: `delete from corporate_users where id = {bob} returning 1`,
    expect: ['error', 'error', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'organization_invitations',
    op: 'select',
    sql: `select 1 from organization_invitations where id = {invitation}`,
    expect: ['error', 'ok', 'ok', 'none', 'none', 'ok'],
  },
  {
    table: 'organization_invitations',
    op: 'insert',
    sql: `insert into organization_invitations (organization_id, invitee_id) values ({org}, {carol}) returning 1`,
    expect: ['error', 'error', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'organization_invitations',
    op: 'update',
    sql: `update organization_invitations set role = 'OWNER' where id = {invitation} returning 1`,
    expect: ['error', 'error', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'organization_invitations',
    op: 'delete',
    sql: `delete from organization_invitations where id = {invitation} returning 1`,
    expect: ['error', 'error', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'chat_rooms',
    op: 'select',
    sql: `select 1 from chat_rooms where id = {room}`,
    expect: ['error', 'ok', 'none', 'ok', 'none', 'ok'],
  },
  {
    table: 'chat_rooms',
    op: 'insert',
    sql: `insert into chat_rooms (type, name, created_by) values ('GROUP', 'N', {alice}) returning 1`,
    expect: ['error', 'ok', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'chat_rooms',
    op: 'update',
    sql: `update chat_rooms set name = 'X' where id = {room} returning 1`,
    expect: ['error', 'ok', 'none', 'none', 'none', 'ok'],
  },
  {
    table: 'chat_rooms',
    op: 'delete',
    sql: `delete from chat_rooms where id = {room} returning 1`,
    expect: ['error', 'ok', 'none', 'none', 'none', 'ok'],
  },
  {
    table: 'user_chats',
    op: 'select',
    sql: `select 1 from user_chats where chat_room_id = {room} and user_id = {alice}`,
    expect: ['error', 'ok', 'none', 'ok', 'none', 'ok'],
  },
  {
    table: 'user_chats',
    op: 'insert',
    sql: `insert into user_chats (chat_room_id, user_id) values ({room}, {eve}) returning 1`,
    expect: ['error', 'ok', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'user_chats',
    op: 'update',
    sql: `update user_chats set last_read_at = now() where chat_room_id = {room} and user_id = {alice} returning 1`,
    expect: ['error', 'ok', 'none', 'none', 'none', 'ok'],
  },
  {
    table: 'user_chats',
    op: 'delete',
    sql: `delete from user_chats where chat_room_id = {room} and user_id = {bob} returning 1`,
    expect: ['error', 'ok', 'none', 'ok', 'none', 'ok'],
  },
  {
    table: 'messages',
    op: 'select',
    sql: `select 1 from messages where id = {msg}`,
    expect: ['error', 'ok', 'none', 'ok', 'none', 'ok'],
  },
  {
    table: 'messages',
    op: 'insert',
    sql: `insert into messages (chat_room_id, sender_user_id, content) values ({room}, {alice}, 'hi') returning 1`,
    expect: ['error', 'ok', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'messages',
    op: 'update',
    sql: `update messages set content = 'edited', edited_at = now() where id = {msg} returning 1`,
    expect: ['error', 'ok', 'none', 'none', 'none', 'ok'],
  },
  {
    table: 'messages',
    op: 'delete',
    sql: `delete from messages where id = {msg} returning 1`,
    expect: ['error', 'ok', 'none', 'none', 'none', 'ok'],
  },
  // A room's private Realtime channel (room:<id>): Realtime asks these policies whether a user
  // may receive (select) and send broadcasts and presence (insert). The {msg} fixture's
  // broadcast is the row to see. Supabase grants the API roles select, insert and update here.
  {
    table: 'realtime.messages',
    op: 'select',
    sql: `select 1 from realtime.messages where topic = 'room:' || {room}`,
    expect: ['none', 'ok', 'none', 'ok', 'none', 'ok'],
  },
  {
    table: 'realtime.messages',
    op: 'insert',
    sql: `insert into realtime.messages (topic, extension) values ('room:' || {room}, 'presence') returning 1`,
    expect: ['error', 'ok', 'error', 'ok', 'error', 'ok'],
  },
  {
    table: 'realtime.messages',
    op: 'update',
    sql: `update realtime.messages set payload = '{}' where topic = 'room:' || {room} returning 1`,
    expect: ['none', 'none', 'none', 'none', 'none', 'ok'],
  },
  {
    table: 'realtime.messages',
    op: 'delete',
    sql: `delete from realtime.messages where topic = 'room:' || {room} returning 1`,
    expect: ['error', 'error', 'error', 'error', 'error', 'error'],
  },
  {
    table: 'virtual_users',
    op: 'select',
    sql: `select 1 from virtual_users where id = {vu}`,
    expect: ['error', 'ok', 'ok', 'ok', 'ok', 'ok'],
  },
  {
    table: 'virtual_users',
    op: 'insert',
    sql: `insert into virtual_users (name) values ('V') returning 1`,
    expect: ['error', 'error', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'virtual_users',
    op: 'update',
    sql: `update virtual_users set name = 'X' where id = {vu} returning 1`,
    expect: ['error', 'error', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'virtual_users',
    op: 'delete',
    sql: `delete from virtual_users where id = {vu} returning 1`,
    expect: ['error', 'error', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'virtual_user_profiles',
    op: 'select',
    sql: `select 1 from virtual_user_profiles where virtual_user_id = {vu}`,
    expect: ['error', 'ok', 'ok', 'ok', 'ok', 'ok'],
  },
  {
    table: 'virtual_user_profiles',
    op: 'insert',
    sql: `insert into virtual_user_profiles (virtual_user_id) values ({vu}) on conflict (virtual_user_id) do update set model = 'n' returning 1`,
    expect: ['error', 'error', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'virtual_user_profiles',
    op: 'update',
    sql: `update virtual_user_profiles set temperature = 1.5 where virtual_user_id = {vu} returning 1`,
    expect: ['error', 'error', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'virtual_user_profiles',
    op: 'delete',
    sql: `delete from virtual_user_profiles where virtual_user_id = {vu} returning 1`,
    expect: ['error', 'error', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'virtual_user_chats',
    op: 'select',
    sql: `select 1 from virtual_user_chats where chat_room_id = {room}`,
    expect: ['error', 'ok', 'none', 'ok', 'none', 'ok'],
  },
  {
    table: 'virtual_user_chats',
    op: 'insert',
    sql: `insert into virtual_user_chats (chat_room_id, virtual_user_id) values ({otherRoom}, {vu}) returning 1`,
    expect: ['error', 'error', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'virtual_user_chats',
    op: 'update',
    sql: `update virtual_user_chats set joined_at = now() where chat_room_id = {room} returning 1`,
    expect: ['error', 'error', 'error', 'error', 'error', 'ok'],
  },
  {
    table: 'virtual_user_chats',
    op: 'delete',
    sql: `delete from virtual_user_chats where chat_room_id = {room} returning 1`,
    expect: ['error', 'error', 'error', 'error', 'error', 'ok'],
  },
]

// Escalations: a user trying to move a row out of reach or act in someone else's name.
const escalations: {
  attempt: string
  actor: Exclude<Actor, 'anon' | 'service'>
  sql: string
  expect: Outcome
}[] = [
  {
    attempt: 'give own address to another user',
    actor: 'owner',
    sql: `update addresses set user_id = {carol} where id = {addr} returning 1`,
    expect: 'error',
  },
  {
    attempt: 'give own embedding to another user',
    actor: 'owner',
    sql: `update embeddings set user_id = {carol} where id = {emb} returning 1`,
    expect: 'error',
  },
  {
    attempt: 'move own message to another room',
    actor: 'owner',
    sql: `update messages set chat_room_id = {otherRoom} where id = {msg} returning 1`,
    expect: 'error',
  },
  {
    attempt: 'rewrite own message as sent by someone else',
    actor: 'owner',
    sql: `update messages set sender_user_id = {bob} where id = {msg} returning 1`,
    expect: 'error',
  },
  {
    attempt: 'send a message as another member',
    actor: 'member',
    sql: `insert into messages (chat_room_id, sender_user_id, content) values ({room}, {alice}, 'fake') returning 1`,
    expect: 'error',
  },
  {
    attempt: 'send a message as a virtual user',
    actor: 'owner',
    sql: `insert into messages (chat_room_id, sender_user_id, sender_virtual_user_id, content) values ({room}, {alice}, {vu}, 'x') returning 1`,
    expect: 'error',
  },
  {
    attempt: 'send into a room one is not in',
    actor: 'stranger',
    sql: `insert into messages (chat_room_id, sender_user_id, content) values ({room}, {carol}, 'hi') returning 1`,
    expect: 'error',
  },
  {
    attempt: "join someone else's room",
    actor: 'stranger',
    sql: `insert into user_chats (chat_room_id, user_id) values ({room}, {carol}) returning 1`,
    expect: 'error',
  },
  {
    attempt: 'add oneself to a room one was removed from (member is not creator)',
    actor: 'member',
    sql: `insert into user_chats (chat_room_id, user_id) values ({otherRoom}, {bob}) returning 1`,
    expect: 'error',
  },
  {
    attempt: "mark another member's messages read",
    actor: 'owner',
    sql: `update user_chats set last_read_at = now() where chat_room_id = {room} and user_id = {bob} returning 1`,
    expect: 'none',
  },
  {
    attempt: 'promote oneself to OWNER',
    actor: 'member',
    sql: `update corporate_users set role = 'OWNER' where id = {bob} returning 1`,
    expect: 'error',
  },
  {
    attempt: 'move oneself to another organization',
    actor: 'owner',
    sql: `update corporate_users set organization_id = {org} where id = {alice} returning 1`,
    expect: 'error',
  },
  {
    attempt: 'take over a room by changing its creator',
    actor: 'member',
    sql: `update chat_rooms set created_by = {bob} where id = {room} returning 1`,
    expect: 'error',
  },
  {
    attempt: "claim another pair's private room",
    actor: 'stranger',
    sql: `insert into chat_rooms (type, created_by, pair_key) values ('PRIVATE', {carol}, {alice} || ':' || {bob}) returning 1`,
    expect: 'error',
  },
  {
    attempt: 'create a room as oneself (allowed)',
    actor: 'stranger',
    sql: `insert into chat_rooms (type, name, created_by) values ('GROUP', 'Mine', {carol}) returning 1`,
    expect: 'ok',
  },
  {
    attempt: 'empty a table with TRUNCATE (ignores RLS)',
    actor: 'stranger',
    sql: 'truncate messages',
    expect: 'error',
  },
  // Organizations: every write goes through the membership functions, with one set of rules.
  {
    attempt: "insert one's second account as OWNER (then have it promote oneself)",
    actor: 'admin',
    sql: `insert into corporate_users (id, organization_id, role, display_name) values ({mallory}, {org}, 'OWNER', 'M') returning 1`,
    expect: 'error',
  },
  {
    attempt: "invite one's second account as OWNER",
    actor: 'admin',
    sql: `select 1 from private.invite_member({org}, {mallory}, 'OWNER')`,
    expect: 'error',
  },
  {
    attempt: 'invite a MEMBER (allowed: the invitee must still accept)',
    actor: 'admin',
    sql: `select 1 from private.invite_member({org}, {mallory}, 'MEMBER')`,
    expect: 'ok',
  },
  {
    attempt: 'delete the only OWNER',
    actor: 'admin',
    sql: `delete from corporate_users where id = {alice} returning 1`,
    expect: 'error',
  },
  {
    attempt: 'remove the only OWNER through the function',
    actor: 'admin',
    sql: `select 1 from private.remove_member({org}, {alice})`,
    expect: 'error',
  },
  {
    attempt: 'leave as the last OWNER',
    actor: 'owner',
    sql: `select 1 from private.remove_member({org}, {alice})`,
    expect: 'invalid',
  },
  {
    attempt: 'promote oneself to OWNER through the function',
    actor: 'admin',
    sql: `select 1 from private.change_member_role({org}, {dave}, 'OWNER')`,
    expect: 'error',
  },
  {
    attempt: 'demote the OWNER',
    actor: 'admin',
    sql: `select 1 from private.change_member_role({org}, {alice}, 'MEMBER')`,
    expect: 'error',
  },
  {
    attempt: 'enrol someone without their consent',
    actor: 'admin',
    sql: `insert into corporate_users (id, organization_id, display_name) values ({eve}, {org}, 'Eve') returning 1`,
    expect: 'error',
  },
  {
    attempt: "accept someone else's invitation",
    actor: 'stranger',
    sql: `select 1 from private.accept_invitation({org}, 'Carol', null)`,
    expect: 'none',
  },
  {
    attempt: 'accept an invitation to become a MEMBER (allowed)',
    actor: 'invitee',
    sql: `select 1 from private.accept_invitation({org}, 'Eve', null)`,
    expect: 'ok',
  },
  {
    attempt: 'leave the organization as a MEMBER (allowed)',
    actor: 'member',
    sql: `select 1 from private.remove_member({org}, {bob})`,
    expect: 'ok',
  },
  {
    attempt: "remove another organization's member",
    actor: 'admin',
    sql: `select 1 from private.remove_member({otherOrg}, {grace})`,
    expect: 'none',
  },
  // Server-owned fields: a chosen id or time is replaced (so it neither squats nor probes).
  {
    attempt: "take an existing room's id for a new room",
    actor: 'stranger',
    sql: `insert into chat_rooms (id, type, name, created_by) values ({room}, 'GROUP', 'Mine', {carol}) returning 1`,
    expect: 'ok',
  },
  {
    attempt: 'choose the id of a new embedding',
    actor: 'owner',
    sql: `insert into embeddings (id, user_id, content, embedding) values (1000000, {alice}, 'squat', array_fill(0.5, array[1536])::vector) returning 1`,
    expect: 'invalid',
  },
  // Rooms
  {
    attempt: 'add a third member to a PRIVATE room',
    actor: 'owner',
    sql: `insert into user_chats (chat_room_id, user_id) values ({privateRoom}, {carol}) returning 1`,
    expect: 'invalid',
  },
  {
    attempt: 'put back a member who left by himself',
    actor: 'owner',
    sql: `insert into user_chats (chat_room_id, user_id) values ({room}, {frank}) returning 1`,
    expect: 'error',
  },
  {
    attempt: 'rejoin a room one left (allowed)',
    actor: 'leaver',
    sql: `insert into user_chats (chat_room_id, user_id) values ({room}, {frank}) returning 1`,
    expect: 'ok',
  },
  {
    attempt: 'read the messages of a room one left',
    actor: 'leaver',
    sql: `select 1 from messages where chat_room_id = {room}`,
    expect: 'none',
  },
  {
    attempt: 'delete a PRIVATE room (it stays for the other member)',
    actor: 'member',
    sql: `delete from chat_rooms where id = {privateRoom} returning 1`,
    expect: 'none',
  },
  // Bots: the app's, one's organization's and one's rooms' only; never the prompt or model.
  {
    attempt: "read a bot's system prompt",
    actor: 'member',
    sql: `select system_prompt from virtual_user_profiles where virtual_user_id = {orgBot}`,
    expect: 'error',
  },
  {
    attempt: "read a bot's model",
    actor: 'owner',
    sql: `select model from virtual_user_profiles where virtual_user_id = {vu}`,
    expect: 'error',
  },
  {
    attempt: "see one's own organization's bot (allowed)",
    actor: 'member',
    sql: `select 1 from virtual_users where id = {orgBot}`,
    expect: 'ok',
  },
  {
    attempt: "see another organization's bot",
    actor: 'owner',
    sql: `select 1 from virtual_users where id = {otherOrgBot}`,
    expect: 'none',
  },
  {
    attempt: "see another organization's bot's profile",
    actor: 'stranger',
    sql: `select 1 from virtual_user_profiles where virtual_user_id = {orgBot}`,
    expect: 'none',
  },
  {
    attempt: 'read auth.users',
    actor: 'stranger',
    sql: 'select 1 from auth.users',
    expect: 'error',
  },
  {
    attempt: 'receive on the channel of a room they left',
    actor: 'leaver',
    sql: `select 1 from realtime.messages where topic = 'room:' || {room}`,
    expect: 'none',
  },
  {
    attempt: 'send on the channel of a room they left',
    actor: 'leaver',
    sql: `insert into realtime.messages (topic, extension) values ('room:' || {room}, 'broadcast') returning 1`,
    expect: 'error',
  },
  {
    attempt: 'write a postgres_changes row on a room channel',
    actor: 'member',
    sql: `insert into realtime.messages (topic, extension) values ('room:' || {room}, 'postgres_changes') returning 1`,
    expect: 'error',
  },
  {
    attempt: "post a broadcast into another room through the triggers' helper",
    actor: 'stranger',
    sql: `select private.broadcast_to_room({room}, 'message_created', '{}')`,
    expect: 'error',
  },
  {
    attempt: 'call the broadcast trigger function directly',
    actor: 'member',
    sql: `select private.broadcast_message_change()`,
    expect: 'error',
  },
  {
    attempt: 'call a membership helper directly for another user',
    actor: 'stranger',
    sql: `select 1 from private.my_room_ids() r where r = {room}`,
    expect: 'none',
  },
]

import { sql as rawSql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { executeRows, type JwtClaims } from '../src/db/client.ts'
import { pgErrorInfo } from '../src/errors/pg-error.ts'
import { lane, openTestDatabase, type TestDatabase } from './lanes.ts'

let t: TestDatabase
const ids: Record<string, string> = {}

class Rollback extends Error {
  constructor(readonly rows: number) {
    super('rollback')
  }
}

const actors = ['anon', 'owner', 'admin', 'member', 'stranger', 'service'] as const
type Actor = (typeof actors)[number] | 'second' | 'leaver' | 'invitee'
const userOf = {
  owner: 'alice',
  admin: 'dave',
  member: 'bob',
  stranger: 'carol',
  second: 'mallory',
  leaver: 'frank',
  invitee: 'eve',
} as const
const claimsOf = (actor: Actor): JwtClaims => {
  if (actor === 'anon') return { role: 'anon' }
  if (actor === 'service') return { role: 'service_role' }
  return { sub: ids[userOf[actor]] }
}

const fill = (text: string) =>
  text.replace(/\{(\w+)\}/g, (_, name: string) => {
    const id = ids[name]
    if (id === undefined) throw new Error(`no fixture id {${name}}`)
    return `'${id}'`
  })

/** Runs the statement as the actor inside rls(), then rolls back. */
async function attempt(actor: Actor, statement: string): Promise<Outcome> {
  try {
    await t.db.rls(claimsOf(actor), async (tx) => {
      const rows = await executeRows(tx, rawSql.raw(fill(statement)))
      throw new Rollback(rows.length)
    })
  } catch (error) {
    if (error instanceof Rollback) return error.rows > 0 ? 'ok' : 'none'
    const pg = pgErrorInfo(error)
    if (pg?.code === '42501') return 'error'
    if (pg?.code === '23514' || pg?.code === '428C9') return 'invalid'
    if (pg?.code === 'P0002') return 'none' // the package's functions: nothing of yours there
    throw error
  }
  throw new Error('unreachable: the transaction always rolls back')
}

beforeAll(async () => {
  t = await openTestDatabase()
  const one = async (q: string) => (await t.sql.query<{ id: string }>(fill(q)))[0]?.id as string
  const people = ['alice', 'bob', 'carol', 'dave', 'eve', 'frank', 'grace', 'mallory', 'ghost']
  for (const name of people) {
    ids[name] = await one(
      `insert into auth.users (id, email, raw_user_meta_data) values (gen_random_uuid(), '${name}@example.com', '{"account_name": "${name}"}') returning id`,
    )
  }
  await t.sql.exec(fill('delete from general_users where id = {ghost}'))
  ids.org = await one(`insert into organizations (name, slug) values ('Acme', 'acme') returning id`)
  ids.otherOrg = await one(
    `insert into organizations (name, slug) values ('Globex', 'globex') returning id`,
  )
  await t.sql.exec(
    fill(`insert into corporate_users (id, organization_id, role, display_name) values
      ({alice}, {org}, 'OWNER', 'Alice'), ({dave}, {org}, 'ADMIN', 'Dave'),
      ({bob}, {org}, 'MEMBER', 'Bob'), ({grace}, {otherOrg}, 'OWNER', 'Grace')`),
  )
  ids.invitation = await one(
    `insert into organization_invitations (organization_id, invitee_id, invited_by) values ({org}, {eve}, {alice}) returning id`,
  )
  ids.room = await one(
    `insert into chat_rooms (type, name, created_by) values ('GROUP', 'Team', {alice}) returning id`,
  )
  ids.otherRoom = await one(
    `insert into chat_rooms (type, name, created_by) values ('GROUP', 'Other', {alice}) returning id`,
  )
  await t.sql.exec(
    fill(
      `insert into user_chats (chat_room_id, user_id) values ({room}, {alice}), ({room}, {bob}),
        ({room}, {frank}), ({otherRoom}, {alice})`,
    ),
  )
  // frank leaves by himself: from now on only he can put himself back.
  await t.db.rls({ sub: ids.frank }, (tx) =>
    executeRows(tx, rawSql.raw(fill('delete from user_chats where user_id = {frank} returning 1'))),
  )
  ids.pairKey = [ids.alice, ids.bob].sort().join(':')
  ids.privateRoom = await one(
    `insert into chat_rooms (type, created_by, pair_key) values ('PRIVATE', {alice}, {pairKey}) returning id`,
  )
  await t.sql.exec(
    fill(
      `insert into user_chats (chat_room_id, user_id) values ({privateRoom}, {alice}), ({privateRoom}, {bob})`,
    ),
  )
  ids.msg = await one(
    `insert into messages (chat_room_id, sender_user_id, content) values ({room}, {alice}, 'hello') returning id`,
  )
  ids.vu = await one(`insert into virtual_users (name) values ('Helper') returning id`)
  ids.orgBot = await one(
    `insert into virtual_users (organization_id, name) values ({org}, 'Acme bot') returning id`,
  )
  ids.otherOrgBot = await one(
    `insert into virtual_users (organization_id, name) values ({otherOrg}, 'Globex bot') returning id`,
  )
  await t.sql.exec(
    fill(`insert into virtual_user_profiles (virtual_user_id, system_prompt, model) values
      ({orgBot}, 'Acme secrets', 'm'), ({otherOrgBot}, 'Globex secrets', 'm')`),
  )
  await t.sql.exec(
    fill(`insert into virtual_user_profiles (virtual_user_id, model) values ({vu}, 'm');
          insert into virtual_user_chats (chat_room_id, virtual_user_id) values ({room}, {vu});
          insert into general_user_profiles (user_id, bio) values ({alice}, 'hi')`),
  )
  ids.addr = await one(
    `insert into addresses (user_id, postal_code, country, city, line1) values ({alice}, '1', 'JP', 'Tokyo', '1-1') returning id`,
  )
  ids.emb = await one(
    `insert into embeddings (user_id, content, embedding) values ({alice}, 'c', array_fill(0.1, array[1536])::vector) returning id::text as id`,
  )
})
afterAll(() => t?.close())

describe(`access matrix (${lane})`, () => {
  it.each(matrix)('$table $op', async ({ sql, expect: expected }) => {
    const got: Outcome[] = []
    for (const actor of actors) got.push(await attempt(actor, sql))
    expect(Object.fromEntries(actors.map((a, i) => [a, got[i]]))).toEqual(
      Object.fromEntries(actors.map((a, i) => [a, expected[i]])),
    )
  })

  it.each(escalations)('$actor cannot: $attempt', async ({ actor, sql, expect: expected }) => {
    expect(await attempt(actor, sql)).toBe(expected)
  })

  it('every public table is in the matrix with all four operations', async () => {
    const tables = await t.sql.query<{ relname: string }>(
      `select relname from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r'`,
    )
    for (const { relname } of tables) {
      expect(
        matrix
          .filter((m) => m.table === relname)
          .map((m) => m.op)
          .sort(),
        relname,
      ).toEqual(['delete', 'insert', 'select', 'update'])
    }
  })
})
