// Suite `write_queue`: the outgoing frames of one WebSocket through every
// way a socket ends while a write is in flight.
#define CAF_SUITE write_queue
#include "caf/test/unit_test.hpp"

#include "net/write_queue.hpp"

using signaling::net::outgoing_frame;
using signaling::net::write_queue;
using signaling::schema::close_code;
using push_result = write_queue::push_result;

namespace {

outgoing_frame text(std::size_t bytes, char fill = 'x') {
  return outgoing_frame::make_text(std::make_shared<const std::string>(bytes, fill));
}

/// The first character of a completed text frame (by value: the frame is
/// a temporary).
char first_char(const outgoing_frame& frame) {
  return frame.text->front();
}

} // namespace

CAF_TEST(frames go out one at a time in order) {
  write_queue queue{1000};
  CAF_CHECK(queue.push(text(10, 'a')) == push_result::queued);
  CAF_CHECK(queue.push(text(10, 'b')) == push_result::queued);
  const auto* first = queue.next();
  CAF_REQUIRE(first != nullptr);
  CAF_CHECK_EQUAL(first->text->front(), 'a');
  CAF_MESSAGE("nothing else starts while a write is in flight");
  CAF_CHECK(queue.next() == nullptr);
  CAF_CHECK_EQUAL(first_char(queue.complete()), 'a');
  const auto* second = queue.next();
  CAF_REQUIRE(second != nullptr);
  CAF_CHECK_EQUAL(second->text->front(), 'b');
  queue.complete();
  CAF_CHECK(queue.next() == nullptr);
  CAF_CHECK_EQUAL(queue.queued_bytes(), 0u);
}

CAF_TEST(ending the socket keeps the frame in flight until its write completes) {
  // The crash this suite was written for: the heartbeat dropped a silent
  // peer while a write was in flight, the queue was cleared, and the write's
  // completion popped an empty deque (and the kernel read freed text).
  write_queue queue{1000};
  queue.push(text(100, 'a'));
  queue.push(outgoing_frame::make_ping(std::make_shared<const std::string>("1:0")));
  queue.push(text(100, 'b'));
  const auto* in_flight = queue.next();
  std::weak_ptr<const std::string> buffer = in_flight->text;
  queue.end();
  CAF_CHECK(queue.in_flight());
  CAF_CHECK_EQUAL(queue.size(), 1u);
  CAF_CHECK(!buffer.expired());
  CAF_CHECK_EQUAL(queue.queued_bytes(), 100u);
  CAF_MESSAGE("the write completes with an error after the socket closed");
  CAF_CHECK_EQUAL(first_char(queue.complete()), 'a');
  CAF_CHECK(queue.next() == nullptr);
  CAF_CHECK_EQUAL(queue.queued_bytes(), 0u);
  CAF_MESSAGE("later frames are refused, and ending twice is harmless");
  CAF_CHECK(queue.push(text(1)) == push_result::refused);
  queue.end();
  CAF_CHECK_EQUAL(queue.size(), 0u);
}

CAF_TEST(ending an idle queue drops everything) {
  write_queue queue{1000};
  queue.push(text(10));
  queue.push(text(10));
  queue.end();
  CAF_CHECK_EQUAL(queue.size(), 0u);
  CAF_CHECK_EQUAL(queue.queued_bytes(), 0u);
  CAF_CHECK(queue.next() == nullptr);
}

CAF_TEST(a close is the last frame written) {
  write_queue queue{1000};
  queue.push(text(10, 'a'));
  CAF_CHECK(queue.push(outgoing_frame::make_close(close_code::going_away)) == push_result::queued);
  CAF_CHECK(queue.ended());
  CAF_CHECK(queue.push(text(10, 'b')) == push_result::refused);
  queue.next();
  queue.complete();
  const auto* close = queue.next();
  CAF_REQUIRE(close != nullptr);
  CAF_CHECK(close->what == outgoing_frame::kind::close);
  CAF_CHECK(close->code == close_code::going_away);
  CAF_MESSAGE("the socket ends while the close is in flight");
  queue.end();
  CAF_CHECK(queue.complete().what == outgoing_frame::kind::close);
}

CAF_TEST(past the byte limit the pending frames give way to a close 1013) {
  write_queue queue{250};
  queue.push(text(100, 'a'));
  std::weak_ptr<const std::string> in_flight = queue.next()->text;
  queue.push(text(100, 'b'));
  CAF_CHECK_EQUAL(queue.queued_bytes(), 200u);
  CAF_CHECK(queue.push(text(100, 'c')) == push_result::overflowed);
  CAF_MESSAGE("the frame in flight stays; 'b' and 'c' are gone");
  CAF_CHECK(!in_flight.expired());
  CAF_CHECK_EQUAL(queue.size(), 2u);
  CAF_CHECK_EQUAL(queue.queued_bytes(), 100u);
  CAF_CHECK(queue.push(text(1)) == push_result::refused);
  CAF_CHECK_EQUAL(first_char(queue.complete()), 'a');
  const auto* close = queue.next();
  CAF_REQUIRE(close != nullptr);
  CAF_CHECK(close->what == outgoing_frame::kind::close);
  CAF_CHECK(close->code == close_code::overloaded);
  CAF_MESSAGE("the reader stays silent: the socket is dropped mid-close");
  queue.end();
  CAF_CHECK(queue.complete().what == outgoing_frame::kind::close);
  CAF_CHECK_EQUAL(queue.size(), 0u);
}

CAF_TEST(an overflow with nothing in flight leaves only the close) {
  write_queue queue{50};
  queue.push(text(40));
  CAF_CHECK(queue.push(text(40)) == push_result::overflowed);
  CAF_CHECK_EQUAL(queue.size(), 1u);
  CAF_CHECK_EQUAL(queue.queued_bytes(), 0u);
  CAF_CHECK(queue.next()->what == outgoing_frame::kind::close);
}
