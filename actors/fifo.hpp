// A first-in, first-out queue over a vector and a head index, for what a
// session holds per client. Not std::deque: libstdc++'s allocates 576 bytes
// even when empty, for each of thousands of idle sessions.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace signaling::actors {

template <class T>
class fifo {
public:
  [[nodiscard]] bool empty() const noexcept { return head_ == items_.size(); }

  [[nodiscard]] std::size_t size() const noexcept { return items_.size() - head_; }

  T& front() { return items_[head_]; }

  /// The item `index` places behind the front.
  T& operator[](std::size_t index) { return items_[head_ + index]; }

  void push_back(T item) { items_.emplace_back(std::move(item)); }

  T pop_front() {
    auto item = std::move(items_[head_++]);
    if (head_ == items_.size())
      clear();
    else if (head_ > items_.size() / 2)
      compact();
    return item;
  }

  /// Empties the queue and gives its memory back.
  void clear() {
    std::vector<T>{}.swap(items_);
    head_ = 0;
  }

  auto begin() { return items_.begin() + static_cast<std::ptrdiff_t>(head_); }

  auto end() { return items_.end(); }

private:
  void compact() {
    items_.erase(items_.begin(), begin());
    head_ = 0;
  }

  std::vector<T> items_;
  std::size_t head_ = 0;
};

} // namespace signaling::actors
