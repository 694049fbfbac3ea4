// signal-inspect: asks a running signal-server, over CAF's network layer, what
// its actors hold, and prints it as aligned tables or as JSON (--json).
#include "actors/interfaces.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/config_value.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <csignal>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace {

using namespace signaling;

constexpr std::string_view usage =
  "usage: signal-inspect [--host=127.0.0.1] --port=PORT [--token=T | --token-file=F]\n"
  "                      COMMAND [ARG] [--json] [--top=N] [--timeout-ms=MS]\n"
  "commands:\n"
  "  summary        the node: uptime, connections, sessions by state, rooms, actors, rates\n"
  "  rooms          every room with its members\n"
  "  room ROOM_ID   one room's members in join order\n"
  "  peer PEER_ID   one peer's session and connection\n"
  "  actors         live actors by kind, the deepest mailboxes first (--top, default 10)\n"
  "  trace ROOM_ID  the room's events as they happen, until Ctrl-C (--count=N: stop after\n"
  "                 N events); relay contents only with --full, else a candidate's type\n"
  "The token may also come from SIGNAL_INSPECT_TOKEN.\n";

// Exit codes a script can tell apart.
constexpr int exit_usage = 2;
constexpr int exit_unreachable = 3;
constexpr int exit_refused = 4;
constexpr int exit_not_found = 5;
constexpr int exit_failed = 1;

struct options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string token;
  bool json = false;
  std::uint32_t top = 10;
  std::uint32_t timeout_ms = 10'000;
  /// trace: relay contents too.
  bool full = false;
  /// trace: stop after this many events; 0: at Ctrl-C.
  std::uint64_t count = 0;
  std::vector<std::string> words;
};

template <class Integer>
bool parse_integer(std::string_view text, Integer& out) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc{} && end == text.data() + text.size();
}

/// The options, or a sentence saying what is wrong with them.
std::variant<options, std::string> parse(int argc, char** argv) {
  options result;
  std::string token_file;
  if (auto from_env = std::getenv("SIGNAL_INSPECT_TOKEN"))
    result.token = from_env;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value_of = [&](std::string_view flag) -> std::optional<std::string_view> {
      if (arg.substr(0, flag.size()) == flag && arg.size() > flag.size() && arg[flag.size()] == '=')
        return arg.substr(flag.size() + 1);
      return std::nullopt;
    };
    if (arg == "--json") {
      result.json = true;
    } else if (arg == "--full") {
      result.full = true;
    } else if (auto count = value_of("--count")) {
      if (!parse_integer(*count, result.count) || result.count == 0)
        return "--count must be a positive number";
    } else if (auto host = value_of("--host")) {
      result.host = *host;
    } else if (auto port = value_of("--port")) {
      if (!parse_integer(*port, result.port) || result.port == 0)
        return "--port must be a port number";
    } else if (auto token = value_of("--token")) {
      result.token = *token;
    } else if (auto file = value_of("--token-file")) {
      token_file = *file;
    } else if (auto top = value_of("--top")) {
      if (!parse_integer(*top, result.top) || result.top == 0)
        return "--top must be a positive number";
    } else if (auto timeout = value_of("--timeout-ms")) {
      if (!parse_integer(*timeout, result.timeout_ms) || result.timeout_ms == 0)
        return "--timeout-ms must be a positive number";
    } else if (arg.substr(0, 2) == "--") {
      return "unknown option " + std::string{arg};
    } else {
      result.words.emplace_back(arg);
    }
  }
  if (!token_file.empty()) {
    std::ifstream in{token_file};
    if (!in)
      return "cannot read --token-file " + token_file;
    std::getline(in, result.token);
  }
  if (result.port == 0)
    return "--port is required (the server's --inspect-port)";
  if (result.words.empty())
    return "no command";
  return result;
}

/// The query a command asks (for trace, only its room id), or a sentence
/// saying what is wrong with it.
std::variant<actors::inspect_query, std::string> query_of(const options& given) {
  actors::inspect_query query;
  query.top = given.top;
  const auto& command = given.words.front();
  auto arguments = given.words.size() - 1;
  auto needs_id = command == "room" || command == "peer" || command == "trace";
  if (command == "summary" || command == "trace")
    query.command = actors::inspect_command::summary;
  else if (command == "rooms")
    query.command = actors::inspect_command::rooms;
  else if (command == "room")
    query.command = actors::inspect_command::room;
  else if (command == "peer")
    query.command = actors::inspect_command::peer;
  else if (command == "actors")
    query.command = actors::inspect_command::actors;
  else
    return "unknown command " + command;
  if (needs_id && arguments != 1)
    return command + " takes one id: signal-inspect " + command + " ID";
  if (!needs_id && arguments != 0)
    return command + " takes no argument";
  if (needs_id)
    query.id = given.words[1];
  return query;
}

// -- output ---------------------------------------------------------------------

boost::json::value to_json(const caf::config_value& x);

boost::json::object to_json(const caf::settings& xs) {
  boost::json::object result;
  for (const auto& [key, value] : xs)
    result[key] = to_json(value);
  return result;
}

boost::json::value to_json(const caf::config_value& x) {
  if (auto integer = caf::get_if<caf::config_value::integer>(&x))
    return *integer;
  if (auto boolean = caf::get_if<bool>(&x))
    return *boolean;
  if (auto real = caf::get_if<double>(&x))
    return *real;
  if (auto text = caf::get_if<std::string>(&x))
    return boost::json::string{*text};
  if (auto list = caf::get_if<caf::config_value::list>(&x)) {
    boost::json::array result;
    for (const auto& item : *list)
      result.emplace_back(to_json(item));
    return result;
  }
  if (auto dictionary = caf::get_if<caf::settings>(&x))
    return to_json(*dictionary);
  return boost::json::string{caf::to_string(x)};
}

std::string text_of(const caf::settings& xs, std::string_view key) {
  auto i = xs.find(key);
  if (i == xs.end())
    return "-";
  if (auto text = caf::get_if<std::string>(&i->second))
    return text->empty() ? "-" : *text;
  if (auto real = caf::get_if<double>(&i->second)) {
    std::ostringstream out;
    out << std::fixed << std::setprecision(1) << *real;
    return out.str();
  }
  if (auto boolean = caf::get_if<bool>(&i->second))
    return *boolean ? "yes" : "no";
  return caf::to_string(i->second);
}

/// A Unix time in ms as UTC: the date and time to the second, or (for a
/// trace's lines) the time to the millisecond.
std::string format_time(std::int64_t ms, bool precise = false) {
  if (ms == 0)
    return "-";
  std::time_t seconds = ms / 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::ostringstream out;
  if (precise)
    out << std::put_time(&utc, "%H:%M:%S.") << std::setw(3) << std::setfill('0') << ms % 1000;
  else
    out << std::put_time(&utc, "%Y-%m-%dT%H:%M:%SZ");
  return out.str();
}

std::string time_of(const caf::settings& xs, std::string_view key) {
  return format_time(caf::get_or(xs, key, std::int64_t{0}));
}

/// The value of type T at `key` in `xs`, or null (without the copy that
/// caf::get_if on settings makes).
template <class T>
const T* find(const caf::settings& xs, std::string_view key) {
  auto value = caf::get_if(&xs, key);
  return value != nullptr ? caf::get_if<T>(value) : nullptr;
}

const caf::config_value::list& list_of(const caf::settings& xs, std::string_view key) {
  static const caf::config_value::list none;
  auto list = find<caf::config_value::list>(xs, key);
  return list != nullptr ? *list : none;
}

/// "a 1, b 2" from a dictionary of counts.
std::string counts_of(const caf::settings& xs, std::string_view key) {
  auto counts = find<caf::settings>(xs, key);
  if (!counts || counts->empty())
    return "none";
  std::string result;
  for (const auto& [name, count] : *counts)
    result += (result.empty() ? "" : ", ") + name + ' ' + caf::to_string(count);
  return result;
}

/// Columns padded to their widest cell.
class table {
public:
  explicit table(std::vector<std::string> header) { rows_.emplace_back(std::move(header)); }

  void add(std::vector<std::string> row) { rows_.emplace_back(std::move(row)); }

  void print(std::ostream& out) const {
    std::vector<std::size_t> widths(rows_.front().size(), 0);
    for (const auto& row : rows_)
      for (std::size_t column = 0; column < row.size(); ++column)
        widths[column] = std::max(widths[column], row[column].size());
    for (const auto& row : rows_) {
      std::string line;
      for (std::size_t column = 0; column < row.size(); ++column) {
        line += row[column];
        if (column + 1 < row.size())
          line += std::string(widths[column] - row[column].size() + 2, ' ');
      }
      out << line << '\n';
    }
  }

private:
  std::vector<std::vector<std::string>> rows_;
};

void print_pairs(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& pairs) {
  table lines{{"", ""}};
  for (const auto& [name, value] : pairs)
    lines.add({name, value});
  std::ostringstream body;
  lines.print(body);
  // Drop the empty header line.
  auto text = body.str();
  out << text.substr(text.find('\n') + 1);
}

void print_members(std::ostream& out, const caf::settings& room) {
  table members{{"PEER", "USER", "NAME", "STATE", "JOINED", "RELAYED"}};
  for (const auto& item : list_of(room, "members")) {
    const auto& member = caf::get<caf::settings>(item);
    members.add({text_of(member, "peerId"), text_of(member, "userId"),
                 text_of(member, "displayName"), text_of(member, "state"),
                 time_of(member, "joinedAt"), text_of(member, "relayed")});
  }
  members.print(out);
}

void print_summary(std::ostream& out, const caf::settings& x) {
  print_pairs(out, {{"node", text_of(x, "node")},
                    {"started", time_of(x, "startedAt")},
                    {"uptime", text_of(x, "uptimeSeconds") + " s"},
                    {"connections", text_of(x, "connections")},
                    {"sessions", counts_of(x, "sessions")},
                    {"rooms", text_of(x, "rooms") + " (" + text_of(x, "members") + " members)"},
                    {"actors", counts_of(x, "actors")},
                    {"deepest mailbox", text_of(x, "deepestMailbox")},
                    {"unresponsive", text_of(x, "unresponsiveActors")},
                    {"messages in/s", text_of(x, "messagesReceivedPerSecond")},
                    {"relays/s", text_of(x, "relaysPerSecond")},
                    {"draining", text_of(x, "draining")}});
}

void print_rooms(std::ostream& out, const caf::settings& x) {
  table rooms{{"ROOM", "MEMBERS", "MAX", "RELAYS", "MAILBOX", "CREATED"}};
  for (const auto& item : list_of(x, "rooms")) {
    const auto& room = caf::get<caf::settings>(item);
    rooms.add({text_of(room, "roomId"), std::to_string(list_of(room, "members").size()),
               text_of(room, "maxPeers"), text_of(room, "relays"), text_of(room, "mailbox"),
               time_of(room, "createdAt")});
  }
  rooms.print(out);
}

void print_room(std::ostream& out, const caf::settings& x) {
  print_pairs(out, {{"room", text_of(x, "roomId")},
                    {"created", time_of(x, "createdAt")},
                    {"max peers", text_of(x, "maxPeers")},
                    {"relays", text_of(x, "relays")},
                    {"mailbox", text_of(x, "mailbox")}});
  out << '\n';
  print_members(out, x);
}

void print_peer(std::ostream& out, const caf::settings& x) {
  std::string rooms;
  for (const auto& room : list_of(x, "rooms"))
    rooms += (rooms.empty() ? "" : ", ") + caf::get<std::string>(room);
  print_pairs(out, {{"peer", text_of(x, "peerId")},
                    {"user", text_of(x, "userId")},
                    {"name", text_of(x, "displayName")},
                    {"state", text_of(x, "state")},
                    {"rooms", rooms.empty() ? "-" : rooms},
                    {"last activity", time_of(x, "lastActivityAt")},
                    {"requests", text_of(x, "requests")},
                    {"frames to client", text_of(x, "framesToClient")},
                    {"queued requests", text_of(x, "queuedRequests")},
                    {"buffered frames", text_of(x, "bufferedFrames")},
                    {"unconfirmed", text_of(x, "unconfirmedFrames")},
                    {"mailbox", text_of(x, "mailbox")}});
  out << "\nconnection\n";
  auto connection = find<caf::settings>(x, "connection");
  if (!connection) {
    out << "  none (detached)\n";
    return;
  }
  if (caf::get_or(*connection, "unresponsive", false)) {
    out << "  unresponsive (" << text_of(*connection, "reason") << ")\n";
    return;
  }
  print_pairs(out, {{"  remote address", text_of(*connection, "remoteAddress")},
                    {"  connected", time_of(*connection, "connectedAt")},
                    {"  frames received", text_of(*connection, "framesReceived")},
                    {"  ping outstanding", text_of(*connection, "pingOutstanding")},
                    {"  mailbox", text_of(*connection, "mailbox")}});
}

void print_actors(std::ostream& out, const caf::settings& x) {
  out << text_of(x, "total") << " actors: " << counts_of(x, "byKind") << "\n\n";
  table actors{{"KIND", "ID", "MAILBOX", "OF"}};
  for (const auto& item : list_of(x, "top")) {
    const auto& actor = caf::get<caf::settings>(item);
    auto of = text_of(actor, "roomId") != "-" ? text_of(actor, "roomId") : text_of(actor, "peerId");
    if (caf::get_or(actor, "unresponsive", false))
      of = "unresponsive (" + text_of(actor, "reason") + ")";
    actors.add({text_of(actor, "kind"), text_of(actor, "id"), text_of(actor, "mailbox"), of});
  }
  actors.print(out);
}

void print(std::ostream& out, actors::inspect_command command, const caf::settings& x) {
  switch (command) {
    case actors::inspect_command::summary:
      return print_summary(out, x);
    case actors::inspect_command::rooms:
      return print_rooms(out, x);
    case actors::inspect_command::room:
      return print_room(out, x);
    case actors::inspect_command::peer:
      return print_peer(out, x);
    case actors::inspect_command::actors:
      return print_actors(out, x);
  }
}

/// Prints why the server refused, and returns the exit code that says so.
int report(caf::actor_system& system, const caf::error& error) {
  auto ours = error.category() == actors::protocol_error_category;
  auto code = ours ? static_cast<schema::error_code>(error.code()) : schema::error_code::internal;
  std::string message = system.render(error);
  if (ours && error.context().size() == 1 && error.context().match_element<std::string>(0))
    message = error.context().get_as<std::string>(0);
  std::cerr << "signal-inspect: " << message << '\n';
  if (code == schema::error_code::unauthorized)
    return exit_refused;
  if (code == schema::error_code::room_not_found || code == schema::error_code::session_not_found)
    return exit_not_found;
  return exit_failed;
}

std::atomic<bool> interrupted{false};

void print_event(std::ostream& out, const actors::room_trace_event& event, bool json) {
  if (json) {
    boost::json::object line{
      {"at", event.at},     {"event", event.event}, {"peerId", event.peer_id}, {"to", event.to},
      {"type", event.type}, {"size", event.size},   {"content", event.content}};
    out << boost::json::serialize(line) << std::endl;
    return;
  }
  out << format_time(event.at, true) << "  " << event.event << "  "
      << (event.peer_id.empty() ? "-" : event.peer_id);
  if (event.event == "relay")
    out << " -> " << (event.to.empty() ? "all" : event.to) << "  " << event.type << "  "
        << event.size << " B" << (event.content.empty() ? "" : "  " + event.content);
  else if (!event.type.empty())
    out << "  " << event.type;
  out << std::endl;
}

/// Streams the room's events until Ctrl-C, --count events, the room's
/// close or the server's end.
int trace(caf::actor_system& system, caf::scoped_actor& self,
          const actors::inspect_gate_actor& gate, const options& given,
          const std::string& room_id) {
  auto subscriber = caf::actor_cast<actors::trace_subscriber_actor>(self);
  int status = 0;
  self
    ->request(gate, std::chrono::milliseconds{given.timeout_ms}, actors::trace_atom_v, given.token,
              room_id, subscriber, given.full)
    .receive([](caf::ok_atom) {}, [&](const caf::error& error) { status = report(system, error); });
  if (status != 0)
    return status;
  std::cerr << "tracing room " << room_id << " (Ctrl-C to stop)" << std::endl;
  std::signal(SIGINT, [](int) { interrupted = true; });
  std::signal(SIGTERM, [](int) { interrupted = true; });
  self->monitor(gate);
  std::uint64_t seen = 0;
  bool done = false;
  while (!done && !interrupted && (given.count == 0 || seen < given.count)) {
    self->receive(
      [&](actors::trace_atom, const actors::room_trace_event& event) {
        print_event(std::cout, event, given.json);
        ++seen;
        done = event.event == "room-closed";
      },
      [&](const caf::down_msg&) {
        std::cerr << "signal-inspect: the server went away\n";
        status = exit_unreachable;
        done = true;
      },
      // Wakes up now and then to see Ctrl-C.
      caf::after(std::chrono::milliseconds{200}) >> [] {});
  }
  return status;
}

} // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string_view{argv[i]} == "--help" || std::string_view{argv[i]} == "-h") {
      std::cout << usage;
      return 0;
    }
  }
  auto parsed = parse(argc, argv);
  if (auto problem = std::get_if<std::string>(&parsed)) {
    std::cerr << "signal-inspect: " << *problem << "\n\n" << usage;
    return exit_usage;
  }
  auto& given = std::get<options>(parsed);
  auto made = query_of(given);
  if (auto problem = std::get_if<std::string>(&made)) {
    std::cerr << "signal-inspect: " << *problem << "\n\n" << usage;
    return exit_usage;
  }
  auto& query = std::get<actors::inspect_query>(made);
  if (given.token.empty()) {
    std::cerr << "signal-inspect: no inspect token: give --token, --token-file or "
                 "SIGNAL_INSPECT_TOKEN (the server's --inspect-token-file)\n";
    return exit_refused;
  }

  caf::actor_system_config config;
  config.add_message_types<caf::id_block::signaling>();
  config.add_message_types<caf::id_block::signaling_actors>();
  config.load<caf::io::middleman>();
  caf::actor_system system{config};
  auto gate = system.middleman().remote_actor<actors::inspect_gate_actor>(given.host, given.port);
  if (!gate) {
    std::cerr << "signal-inspect: cannot reach the inspect port " << given.host << ':' << given.port
              << ": " << system.render(gate.error()) << '\n';
    return exit_unreachable;
  }
  caf::scoped_actor self{system};
  auto timeout = std::chrono::milliseconds{given.timeout_ms};
  if (given.words.front() == "trace")
    return trace(system, self, *gate, given, query.id);
  int status = exit_failed;
  self->request(*gate, timeout, actors::inspect_atom_v, given.token, query)
    .receive(
      [&](const caf::settings& answer) {
        if (given.json)
          std::cout << boost::json::serialize(to_json(answer)) << '\n';
        else
          print(std::cout, query.command, answer);
        status = 0;
      },
      [&](const caf::error& error) { status = report(system, error); });
  return status;
}
