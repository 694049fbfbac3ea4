// The layer under Beast's WebSocket stream that gathers writes: frames
// written while a socket write is in flight go out together in the next one,
// so a busy connection pays one syscall per batch, not one per small frame.
// Beast writes the handshake and control frames through it; text frames,
// which Beast would take one per operation, are framed here directly.
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace signaling::net {

class coalescing_stream {
public:
  using executor_type = boost::beast::tcp_stream::executor_type;
  using error_code = boost::system::error_code;
  using write_handler = boost::asio::any_completion_handler<void(error_code, std::size_t)>;
  using flush_handler = boost::asio::any_completion_handler<void(error_code)>;

  /// Bytes gathered before a writer must wait for the socket: a client that
  /// stops reading then backs up into the session's bounded write queue.
  static constexpr std::size_t max_gathered_bytes = 64 * std::size_t{1024};

  explicit coalescing_stream(boost::asio::ip::tcp::socket&& socket) : next_(std::move(socket)) {
    // nop
  }

  executor_type get_executor() { return next_.get_executor(); }

  boost::beast::tcp_stream& next_layer() { return next_; }

  /// What a socket write in flight keeps alive (the object holding this
  /// stream): Beast's handlers, which did, have completed by then.
  void set_owner(std::weak_ptr<void> owner) { owner_ = std::move(owner); }

  template <class MutableBuffers, class Handler>
  auto async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    return next_.async_read_some(buffers, std::forward<Handler>(handler));
  }

  /// Takes every byte at once. The writer hears back at once too unless
  /// more than max_gathered_bytes wait; then it hears when they are sent.
  template <class ConstBuffers, class Handler>
  auto async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    return boost::asio::async_initiate<Handler, void(error_code, std::size_t)>(
      [this](auto completion, const ConstBuffers& buffers) {
        accept(buffers, write_handler{std::move(completion)});
      },
      handler, buffers);
  }

  /// Frames `payload` as one unmasked, uncompressed text message (RFC 6455
  /// 5.2: a server's frames; no extension is negotiated) and gathers it.
  /// False once the socket has failed.
  bool write_text_frame(std::string_view payload) {
    if (failure_)
      return false;
    std::array<std::uint8_t, 10> header{};
    std::size_t header_size = 2;
    header[0] = 0x81; // FIN, text
    auto size = payload.size();
    if (size < 126) {
      header[1] = static_cast<std::uint8_t>(size);
    } else if (size <= 0xFFFF) {
      header[1] = 126;
      header[2] = static_cast<std::uint8_t>(size >> 8);
      header[3] = static_cast<std::uint8_t>(size);
      header_size = 4;
    } else {
      header[1] = 127;
      for (int i = 0; i < 8; ++i)
        header[2 + i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(size) >> (56 - 8 * i));
      header_size = 10;
    }
    gathered_.append(reinterpret_cast<const char*>(header.data()), header_size);
    gathered_.append(payload);
    if (!writing_)
      write_gathered();
    return true;
  }

  /// Whether a writer may add more now; past max_gathered_bytes it waits
  /// for async_wait_writable.
  [[nodiscard]] bool writable() const { return gathered_.size() <= max_gathered_bytes; }

  /// Completes when the socket took the gathered bytes (or failed).
  template <class Handler>
  auto async_wait_writable(Handler&& handler) {
    return boost::asio::async_initiate<Handler, void(error_code)>(
      [this](auto completion) {
        if (writable() || failure_) {
          complete(std::move(completion), failure_);
          return;
        }
        writable_.emplace(std::move(completion));
      },
      handler);
  }

  /// Completes once everything written so far has reached the socket (or
  /// the socket failed).
  template <class Handler>
  auto async_flush(Handler&& handler) {
    return boost::asio::async_initiate<Handler, void(error_code)>(
      [this](auto completion) {
        if (!writing_) {
          complete(std::move(completion), failure_);
          return;
        }
        flushed_.emplace(std::move(completion));
      },
      handler);
  }

private:
  template <class ConstBuffers>
  void accept(const ConstBuffers& buffers, write_handler handler) {
    auto size = boost::asio::buffer_size(buffers);
    if (failure_) {
      complete(std::move(handler), failure_, std::size_t{0});
      return;
    }
    auto offset = gathered_.size();
    gathered_.resize(offset + size);
    boost::asio::buffer_copy(boost::asio::buffer(gathered_.data() + offset, size), buffers);
    if (!writing_)
      write_gathered();
    if (gathered_.size() <= max_gathered_bytes) {
      complete(std::move(handler), error_code{}, size);
      return;
    }
    // Beast writes one frame at a time, so at most one writer waits.
    blocked_.emplace(std::move(handler), size);
  }

  void write_gathered() {
    writing_ = true;
    sending_.swap(gathered_);
    gathered_.clear();
    boost::asio::async_write(
      next_, boost::asio::buffer(sending_),
      [this, owner = owner_.lock()](error_code ec, std::size_t) { on_written(ec); });
  }

  void on_written(error_code ec) {
    writing_ = false;
    if (ec)
      failure_ = ec;
    else if (!gathered_.empty())
      write_gathered();
    if (!writing_) {
      // Idle: hold no buffers (thousands of idle connections would).
      std::string{}.swap(sending_);
      std::string{}.swap(gathered_);
    }
    if (blocked_) {
      auto [handler, size] = std::move(*blocked_);
      blocked_.reset();
      complete(std::move(handler), failure_, failure_ ? std::size_t{0} : size);
    }
    if (writable_) {
      auto handler = std::move(*writable_);
      writable_.reset();
      complete(std::move(handler), failure_);
    }
    if (flushed_ && !writing_) {
      auto handler = std::move(*flushed_);
      flushed_.reset();
      complete(std::move(handler), failure_);
    }
  }

  /// Completions never run inside the call that started them.
  template <class Handler, class... Args>
  void complete(Handler handler, Args... args) {
    boost::asio::post(get_executor(), [handler = std::move(handler), args...]() mutable {
      std::move(handler)(args...);
    });
  }

  boost::beast::tcp_stream next_;
  std::weak_ptr<void> owner_;
  /// Bytes accepted and not yet handed to the socket.
  std::string gathered_;
  /// Bytes the socket write in flight reads.
  std::string sending_;
  bool writing_ = false;
  /// The first socket error; every later write fails with it.
  error_code failure_;
  std::optional<std::pair<write_handler, std::size_t>> blocked_;
  std::optional<flush_handler> writable_;
  std::optional<flush_handler> flushed_;
};

/// Beast's close handshake ends with a teardown of the next layer: send what
/// is gathered (the close frame among it) before the socket shuts down.
template <class Handler>
void async_teardown(boost::beast::role_type role, coalescing_stream& stream, Handler&& handler) {
  stream.async_flush([&stream, role,
                      handler = std::forward<Handler>(handler)](boost::system::error_code) mutable {
    boost::beast::websocket::async_teardown(role, stream.next_layer().socket(), std::move(handler));
  });
}

} // namespace signaling::net
