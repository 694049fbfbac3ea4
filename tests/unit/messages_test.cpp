// Every signature of every actor interface survives CAF's binary serializer,
// actor handles included, as it must to cross nodes over the middleman.
#define CAF_SUITE messages
#include "actors/interfaces.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/test/dsl.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <type_traits>
#include <typeindex>
#include <utility>
#include <vector>

using namespace signaling;

namespace {

// -- stand-ins for actor handles -------------------------------------------------

/// Handles one signature by refusing it: stand-ins only need to exist, as a
/// handle deserializes to a live actor only while the registry knows it.
template <class Signature>
struct refuse;

template <class... Inputs, class... Outputs>
struct refuse<caf::typed_mpi<caf::detail::type_list<Inputs...>, caf::output_tuple<Outputs...>>> {
  caf::result<Outputs...> operator()(const Inputs&...) const {
    return caf::make_error(caf::sec::unexpected_message);
  }
};

template <class... Signatures>
caf::typed_behavior<Signatures...> refuse_all(caf::detail::type_list<Signatures...>) {
  return {refuse<Signatures>{}...};
}

/// An actor typed with `Handle`'s interface, whatever signatures it has now.
template <class Handle>
typename Handle::behavior_type stand_in() {
  return refuse_all(typename Handle::signatures{});
}

/// What samples need beyond plain values: one live stand-in per handle type.
class stand_ins {
public:
  explicit stand_ins(caf::actor_system& sys) : sys_(sys) {
    // nop
  }

  template <class Handle>
  Handle get() {
    auto& slot = spawned_[std::type_index{typeid(Handle)}];
    if (!slot)
      slot = caf::actor_cast<caf::strong_actor_ptr>(sys_.spawn(stand_in<Handle>));
    return caf::actor_cast<Handle>(slot);
  }

  /// Ends every stand-in: serializing a handle puts its actor in the
  /// registry, which would keep it, and the system with it, alive.
  void shutdown() {
    for (auto& entry : spawned_)
      caf::anon_send_exit(entry.second, caf::exit_reason::user_shutdown);
    spawned_.clear();
  }

private:
  caf::actor_system& sys_;
  std::map<std::type_index, caf::strong_actor_ptr> spawned_;
};

// -- samples ---------------------------------------------------------------------

// One overload per type that appears in a signature, each unlike the type's
// default value, so that a field the serializer drops shows in the bytes.
// There is deliberately no catch-all: a new message type fails to compile
// until it gets a sample here.

template <class T>
struct tag {};

template <caf::atom_value V>
caf::atom_constant<V> sample(tag<caf::atom_constant<V>>, stand_ins&) {
  return {};
}

template <class... Signatures>
caf::typed_actor<Signatures...> sample(tag<caf::typed_actor<Signatures...>>, stand_ins& xs) {
  return xs.get<caf::typed_actor<Signatures...>>();
}

template <class T>
auto sample(tag<std::vector<T>>, stand_ins& xs) -> std::vector<decltype(sample(tag<T>{}, xs))> {
  // Two elements: a vector that loses its length or repeats its first
  // element shows.
  return {sample(tag<T>{}, xs), sample(tag<T>{}, xs)};
}

bool sample(tag<bool>, stand_ins&) {
  return true;
}

std::uint32_t sample(tag<std::uint32_t>, stand_ins&) {
  return 7;
}

std::uint64_t sample(tag<std::uint64_t>, stand_ins&) {
  // Past 32 bits, so a narrowing serializer shows.
  return 0x1'0000'0002;
}

std::int64_t sample(tag<std::int64_t>, stand_ins&) {
  // Negative and past 32 bits.
  return -0x1'0000'0003;
}

std::string sample(tag<std::string>, stand_ins&) {
  return "sample";
}

caf::settings sample(tag<caf::settings>, stand_ins&) {
  caf::settings result;
  caf::put(result, "kind", "room");
  caf::put(result, "mailbox.depth", 3);
  return result;
}

actors::text_frame sample(tag<actors::text_frame>, stand_ins&) {
  return actors::text_frame::make(R"({"type":"pong","payload":{}})");
}

actors::close_cause sample(tag<actors::close_cause>, stand_ins&) {
  return actors::close_cause::lost;
}

actors::auth_deadline sample(tag<actors::auth_deadline>, stand_ins&) {
  return actors::auth_deadline::expired;
}

actors::room_trace_event sample(tag<actors::room_trace_event>, stand_ins&) {
  return {1'796'000'000'000, "relay", "p1", "p2", "ice:candidate", 61, "typ host"};
}

actors::inspect_query sample(tag<actors::inspect_query>, stand_ins&) {
  return {actors::inspect_command::room, "lobby", 3};
}

schema::close_code sample(tag<schema::close_code>, stand_ins&) {
  return schema::close_code::overloaded;
}

schema::peer_presence sample(tag<schema::peer_presence>, stand_ins&) {
  return schema::peer_presence::resumed;
}

schema::join_request sample(tag<schema::join_request>, stand_ins&) {
  return {"lobby", "Ada", R"({"topic":"x"})", false, 7};
}

schema::leave_request sample(tag<schema::leave_request>, stand_ins&) {
  return {"lobby"};
}

schema::state_request sample(tag<schema::state_request>, stand_ins&) {
  return {"lobby"};
}

schema::relay_request sample(tag<schema::relay_request>, stand_ins&) {
  return {schema::relay_kind::ice_candidate, "lobby", "p2", R"({"candidate":"c"})"};
}

schema::auth_request sample(tag<schema::auth_request>, stand_ins&) {
  return {"token"};
}

schema::auth_refresh_request sample(tag<schema::auth_refresh_request>, stand_ins&) {
  return {"fresh-token"};
}

schema::turn_credentials_request sample(tag<schema::turn_credentials_request>, stand_ins&) {
  return {};
}

schema::session_resume_request sample(tag<schema::session_resume_request>, stand_ins&) {
  return {"resume-token", true, 3};
}

schema::peer_description sample(tag<schema::peer_description>, stand_ins&) {
  return {"p1", "u1", "Ada", 1763769600000};
}

schema::room_description sample(tag<schema::room_description>, stand_ins&) {
  return {"lobby", {{"p1", "", "", 1}, {"p2", "u2", "Bo", 2}}, R"({"topic":"x"})", 5, 10};
}

actors::session_handoff sample(tag<actors::session_handoff>, stand_ins& xs) {
  return {xs.get<actors::session_actor>(), "p1", sample(tag<actors::text_frame>{}, xs)};
}

template <class T, class = void>
struct has_sample : std::false_type {};

template <class T>
struct has_sample<T, std::void_t<decltype(sample(tag<T>{}, std::declval<stand_ins&>()))>>
  : std::true_type {};

template <class T>
T sample(stand_ins& xs) {
  static_assert(has_sample<T>::value,
                "every type in an actor interface needs a sample() in messages_test.cpp");
  return sample(tag<T>{}, xs);
}

// -- the actor handles inside a value ----------------------------------------------

// Equal bytes prove a handle kept its actor id and node, not that the registry
// resolved it: these collect the handles to compare as well.

template <class T>
void collect_handles(const T&, std::vector<caf::actor_addr>&) {
  // nop
}

template <class... Signatures>
void collect_handles(const caf::typed_actor<Signatures...>& x, std::vector<caf::actor_addr>& xs) {
  xs.emplace_back(x.address());
}

template <class T>
void collect_handles(const std::vector<T>& x, std::vector<caf::actor_addr>& xs) {
  for (const auto& element : x)
    collect_handles(element, xs);
}

void collect_handles(const actors::session_handoff& x, std::vector<caf::actor_addr>& xs) {
  collect_handles(x.session, xs);
}

template <class T>
std::vector<caf::actor_addr> handles_in(const T& x) {
  std::vector<caf::actor_addr> result;
  collect_handles(x, result);
  return result;
}

// Values with an operator== are compared with it as well as by their bytes.
// std::vector declares one for any element type, so it asks its element.

template <class T, class = void>
struct has_equal : std::false_type {};

template <class T>
struct has_equal<T, std::void_t<decltype(std::declval<const T&>() == std::declval<const T&>())>>
  : std::true_type {};

template <class T>
struct has_equal<std::vector<T>> : has_equal<T> {};

/// A message type no ID block announces.
struct unregistered {
  std::string x;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, unregistered& x) {
  return f(caf::meta::type_name("unregistered"), x.x);
}

// -- the fixture -------------------------------------------------------------------

struct config : caf::actor_system_config {
  config() {
    add_message_types<caf::id_block::signaling>();
    add_message_types<caf::id_block::signaling_actors>();
  }
};

struct fixture : test_coordinator_fixture<config> {
  fixture() : samples(sys) {
    // nop
  }

  ~fixture() override { samples.shutdown(); }

  /// Serializes `x` into a message and back; fails the test when either
  /// step fails, which is how a type missing from the ID blocks shows.
  /// Calls save and load itself: CAF 0.17.6's `sink(msg)` and `source(msg)`
  /// reach them through a `serialize` overload that drops their error.
  caf::message round_trip(const caf::message& x, const std::string& what = "a message") {
    auto label = what + " " + caf::to_string(x);
    std::vector<char> buffer;
    caf::binary_serializer sink{sys, buffer};
    if (auto error = x.save(sink))
      CAF_FAIL(label << ": serializing failed: " << sys.render(error));
    caf::message result;
    caf::binary_deserializer source{sys, buffer};
    if (auto error = result.load(source))
      CAF_FAIL(label << ": deserializing failed: " << sys.render(error));
    if (source.remaining() != 0)
      CAF_FAIL(label << ": deserializing left " << source.remaining() << " bytes unread");
    return result;
  }

  /// The bytes of element `i` of `x`, to compare values without operator==.
  std::vector<char> bytes_of(const caf::message& x, std::size_t i) {
    std::vector<char> buffer;
    caf::binary_serializer sink{sys, buffer};
    if (auto error = x.save(i, sink))
      CAF_FAIL("serializing element " << i << " of " << caf::to_string(x)
                                      << " failed: " << sys.render(error));
    return buffer;
  }

  // CAF_CHECK prints only its expression, the same for every signature; a
  // failure has to name the signature and the element.
  static void check(bool ok, const std::string& what) {
    if (ok)
      CAF_CHECK(ok);
    else
      CAF_ERROR(what);
  }

  template <class T>
  void check_element(const std::string& what, const caf::message& original,
                     const caf::message& copy, std::size_t i) {
    auto element = what + ", element " + std::to_string(i);
    auto original_bytes = bytes_of(original, i);
    auto copy_bytes = bytes_of(copy, i);
    check(original_bytes == copy_bytes, element + ": other bytes after the round trip");
    // An atom has no storage of its own to read (the message holds an
    // atom_value), and match_elements has compared it already.
    if constexpr (!caf::is_atom_constant<T>::value) {
      const auto& original_value = original.get_as<T>(i);
      const auto& copy_value = copy.get_as<T>(i);
      if constexpr (has_equal<T>::value)
        check(original_value == copy_value, element + ": another value after the round trip");
      auto original_handles = handles_in(original_value);
      auto copy_handles = handles_in(copy_value);
      check(original_handles == copy_handles, element + ": a handle names another actor");
      for (const auto& handle : copy_handles)
        check(static_cast<bool>(handle), element + ": a handle to a live actor arrived invalid");
    }
  }

  template <class... Ts, std::size_t... Is>
  void check_elements(const std::string& what, const caf::message& original,
                      const caf::message& copy, std::index_sequence<Is...>) {
    (check_element<Ts>(what, original, copy, Is), ...);
  }

  /// Round-trips a message of sample `Ts` and compares it element by element.
  template <class... Ts>
  void check_message(const std::string& what) {
    caf::message original = caf::make_message(sample<Ts>(samples)...);
    caf::message copy = round_trip(original, what);
    auto label = what + " " + caf::to_string(original);
    if (!copy.match_elements<Ts...>()) {
      CAF_ERROR(label << ": arrived as " << caf::to_string(copy));
      return;
    }
    check_elements<Ts...>(label, original, copy, std::index_sequence_for<Ts...>{});
  }

  template <class... Inputs, class... Outputs>
  void check_signature(
    const std::string& what,
    caf::typed_mpi<caf::detail::type_list<Inputs...>, caf::output_tuple<Outputs...>>) {
    check_message<Inputs...>(what + " input");
    // reacts_to has no answer to send back.
    if constexpr (!std::is_same_v<caf::detail::type_list<Outputs...>, caf::detail::type_list<void>>)
      check_message<Outputs...>(what + " output");
  }

  template <class... Signatures>
  std::size_t check_signatures(const std::string& interface,
                               caf::detail::type_list<Signatures...>) {
    std::size_t n = 0;
    (check_signature(interface + " signature " + std::to_string(n++), Signatures{}), ...);
    return n;
  }

  /// Round-trips every signature of `Interface`; returns how many it has.
  template <class Interface>
  std::size_t check_interface(const std::string& name) {
    auto n = check_signatures(name, typename Interface::signatures{});
    CAF_MESSAGE(name << ": " << n << " signatures");
    return n;
  }

  stand_ins samples;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(message_tests, fixture)

CAF_TEST(every signature of every interface crosses the wire) {
  std::size_t n = 0;
  n += check_interface<actors::status_client_actor>("status_client_actor");
  n += check_interface<actors::connection_actor>("connection_actor");
  n += check_interface<actors::session_actor>("session_actor");
  n += check_interface<actors::room_actor>("room_actor");
  n += check_interface<actors::room_directory_actor>("room_directory_actor");
  n += check_interface<actors::session_registry_actor>("session_registry_actor");
  n += check_interface<actors::server_actor>("server_actor");
  n += check_interface<actors::inspect_gate_actor>("inspect_gate_actor");
  n += check_interface<actors::trace_subscriber_actor>("trace_subscriber_actor");
  CAF_MESSAGE(n << " signatures in all");
}

CAF_TEST(a handle to an exited actor still crosses the wire) {
  // A session that found its room dead passes the dead handle on, so the
  // directory replaces the room at once.
  using open_signature =
    caf::replies_to<actors::open_atom, std::string, bool, std::string, std::uint32_t,
                    actors::room_actor>::with<actors::room_actor>;
  static_assert(
    caf::detail::tl_contains<actors::room_directory_actor::signatures, open_signature>::value,
    "the room directory no longer takes a dead room: pick another signature");
  auto room = sys.spawn(stand_in<actors::room_actor>);
  caf::anon_send_exit(room, caf::exit_reason::user_shutdown);
  run();
  auto copy = round_trip(caf::make_message(actors::open_atom_v, std::string{"lobby"}, true,
                                           std::string{"{}"}, std::uint32_t{8}, room));
  CAF_REQUIRE((copy.match_elements<actors::open_atom, std::string, bool, std::string, std::uint32_t,
                                   actors::room_actor>()));
  // The registry forgets an actor when it exits, so on the node it lived on
  // its handle arrives invalid, not as a handle to a dead actor: a directory
  // told of its own dead room sees no room to replace.
  CAF_CHECK(!copy.get_as<actors::room_actor>(5));
}

CAF_TEST(a type missing from the ID blocks fails to serialize) {
  // What the round trip relies on to report a signature with an
  // unregistered type (CAF also prints the type's name to stderr).
  std::vector<char> buffer;
  caf::binary_serializer sink{sys, buffer};
  auto message = caf::make_message(unregistered{"x"});
  CAF_CHECK(message.save(sink));
}

CAF_TEST(a protocol error keeps its code and message) {
  auto error = actors::make_protocol_error(schema::error_code::room_full, "room 'r' is full");
  auto copy = round_trip(caf::make_message(error));
  CAF_REQUIRE(copy.match_elements<caf::error>());
  auto reply = actors::to_error_reply(copy.get_as<caf::error>(0), "room:join");
  CAF_CHECK(reply.code == schema::error_code::room_full);
  CAF_CHECK_EQUAL(reply.message, "room 'r' is full");
  CAF_CHECK_EQUAL(reply.request_type, "room:join");
}

CAF_TEST_FIXTURE_SCOPE_END()
