// A stand-in for libFuzzer's <fuzzer/FuzzedDataProvider.h>, for compilers that do not ship it (gcc):
// the corpus replays under ctest must decode an input exactly as the libFuzzer build did, so every
// method here consumes the bytes the same way (integers from the end of the data, strings and bytes
// from the front, the same "\\" escape in ConsumeRandomLengthString). Only the methods the targets use.
#pragma once

#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <type_traits>

class FuzzedDataProvider {
 public:
  FuzzedDataProvider(const std::uint8_t* data, std::size_t size) : data_(data), remaining_(size) {}
  FuzzedDataProvider(const FuzzedDataProvider&) = delete;
  FuzzedDataProvider& operator=(const FuzzedDataProvider&) = delete;

  std::size_t remaining_bytes() const { return remaining_; }

  // Up to sizeof(T) bytes, taken from the end of the data, then reduced into [min, max].
  template <typename T>
  T ConsumeIntegralInRange(T min, T max) {
    static_assert(std::is_integral_v<T> && sizeof(T) <= sizeof(std::uint64_t), "an integer type is required");
    if (min > max) std::abort();
    const std::uint64_t range = static_cast<std::uint64_t>(max) - static_cast<std::uint64_t>(min);
    std::uint64_t result = 0;
    std::size_t offset = 0;
    while (offset < sizeof(T) * CHAR_BIT && (range >> offset) > 0 && remaining_ != 0) {
      --remaining_;
      result = (result << CHAR_BIT) | data_[remaining_];
      offset += CHAR_BIT;
    }
    if (range != std::numeric_limits<std::uint64_t>::max()) result = result % (range + 1);
    return static_cast<T>(static_cast<std::uint64_t>(min) + result);
  }

  template <typename T>
  T ConsumeIntegral() {
    return ConsumeIntegralInRange<T>(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
  }

  bool ConsumeBool() { return (ConsumeIntegral<std::uint8_t>() & 1u) != 0; }

  template <typename T, std::size_t N>
  T PickValueInArray(const T (&array)[N]) {
    static_assert(N > 0, "the array must not be empty");
    return array[ConsumeIntegralInRange<std::size_t>(0, N - 1)];
  }

  std::string ConsumeBytesAsString(std::size_t count) {
    if (count > remaining_) count = remaining_;
    std::string out(reinterpret_cast<const char*>(data_), count);
    advance(count);
    return out;
  }

  std::string ConsumeRemainingBytesAsString() { return ConsumeBytesAsString(remaining_); }

  // Bytes from the front up to max_length; a backslash followed by anything but a backslash ends
  // the string (and both are consumed), "\\\\" stands for one backslash.
  std::string ConsumeRandomLengthString(std::size_t max_length) {
    std::string out;
    for (std::size_t i = 0; i < max_length && remaining_ != 0; ++i) {
      char next = static_cast<char>(data_[0]);
      advance(1);
      if (next == '\\' && remaining_ != 0) {
        next = static_cast<char>(data_[0]);
        advance(1);
        if (next != '\\') break;
      }
      out += next;
    }
    return out;
  }

 private:
  void advance(std::size_t count) {
    if (count > remaining_) std::abort();
    data_ += count;
    remaining_ -= count;
  }

  const std::uint8_t* data_;
  std::size_t remaining_;
};
