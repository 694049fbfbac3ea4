// A hand-written WebSocket client over a blocking POSIX socket.
#include "raw_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <random>

namespace signaling::test {

namespace {

timeval to_timeval(ms timeout) {
  timeval result{};
  result.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  result.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  return result;
}

std::size_t occurrences(std::string_view text, std::string_view needle) {
  std::size_t result = 0;
  for (auto pos = text.find(needle); pos != std::string_view::npos;
       pos = text.find(needle, pos + needle.size()))
    ++result;
  return result;
}

} // namespace

raw_client::raw_client(std::uint16_t port, raw_options options) : io_timeout_(options.io_timeout) {
  auto fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return;
  auto io = to_timeval(options.io_timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &io, sizeof(io));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &io, sizeof(io));
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (options.receive_buffer > 0)
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &options.receive_buffer,
                 sizeof(options.receive_buffer));
  if (!options.source.empty()) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, options.source.c_str(), &local.sin_addr);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&local), sizeof(local)) != 0) {
      ::close(fd);
      return;
    }
  }
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(port);
  ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&remote), sizeof(remote)) != 0) {
    ::close(fd);
    return;
  }
  fd_ = fd;
}

raw_client::~raw_client() {
  close();
}

std::string raw_client::upgrade_request(std::string_view target) {
  return "GET " + std::string{target}
         + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

std::string raw_client::frame(std::string_view payload, std::uint8_t opcode) {
  std::string result;
  result.push_back(static_cast<char>(0x80 | opcode));
  auto size = payload.size();
  if (size < 126) {
    result.push_back(static_cast<char>(0x80 | size));
  } else if (size <= 0xFFFF) {
    result.push_back(static_cast<char>(0x80 | 126));
    result.push_back(static_cast<char>((size >> 8) & 0xFF));
    result.push_back(static_cast<char>(size & 0xFF));
  } else {
    result.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8)
      result.push_back(static_cast<char>((size >> shift) & 0xFF));
  }
  static thread_local std::minstd_rand random{std::random_device{}()};
  char mask[4];
  for (auto& byte : mask)
    byte = static_cast<char>(random() & 0xFF);
  result.append(mask, 4);
  for (std::size_t i = 0; i < size; ++i)
    result.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
  return result;
}

std::string raw_client::close_frame(std::uint16_t code) {
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  return frame(payload, 8);
}

bool raw_client::send(std::string_view bytes) {
  while (fd_ >= 0 && !bytes.empty()) {
    auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return fd_ >= 0;
}

bool raw_client::upgrade() {
  return send(upgrade_request()) && read_until("\r\n\r\n")
         && received_.compare(0, 12, "HTTP/1.1 101") == 0;
}

bool raw_client::read_until(std::string_view needle, ms timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  // Only the tail can complete a needle that began in earlier bytes.
  auto searched_from = [&] {
    return received_.size() >= needle.size() ? received_.size() - needle.size() + 1 : 0;
  };
  if (received_.find(needle) != std::string::npos)
    return true;
  while (fd_ >= 0) {
    if (receive_some(deadline) != receive_result::data)
      return false;
    auto from = searched_from();
    received_.append(chunk_.data(), chunk_size_);
    if (received_.find(needle, from) != std::string::npos)
      return true;
  }
  return false;
}

bool raw_client::read_until_closed(ms timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (fd_ >= 0) {
    switch (receive_some(deadline)) {
      case receive_result::data:
        received_.append(chunk_.data(), chunk_size_);
        break;
      case receive_result::timeout:
        return false;
      case receive_result::closed:
        return true; // EOF, or an error such as a reset: the server is gone
    }
  }
  return true;
}

raw_client::receive_result
raw_client::receive_some(std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<ms>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return receive_result::timeout;
    pollfd waiting{fd_, POLLIN, 0};
    auto ready = ::poll(&waiting, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready <= 0)
      return receive_result::timeout;
    auto n = ::recv(fd_, chunk_.data(), chunk_.size(), 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return receive_result::timeout;
    if (n <= 0)
      return receive_result::closed;
    chunk_size_ = static_cast<std::size_t>(n);
    return receive_result::data;
  }
}

std::size_t raw_client::count(std::string_view needle) const {
  return occurrences(received_, needle);
}

void raw_client::reset() {
  if (fd_ < 0)
    return;
  linger abortive{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abortive, sizeof(abortive));
  ::close(fd_);
  fd_ = -1;
}

void raw_client::close() {
  if (fd_ < 0)
    return;
  ::close(fd_);
  fd_ = -1;
}

std::string protocol_frame(std::string_view type, std::string_view payload_json,
                           std::string_view correlation) {
  std::string result =
    R"({"type":")" + std::string{type} + R"(","payload":)" + std::string{payload_json};
  if (!correlation.empty())
    result += R"(,"correlationId":")" + std::string{correlation} + '"';
  return result + "}";
}

} // namespace signaling::test
