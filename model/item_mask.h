// A set of item indices as a bitset: which items a request may return.
// Built per request from precomputed masks (AND/AND-NOT of 64-bit words), so
// rule evaluation never scans the catalog item by item.
// Not thread-safe for writes; const methods may be called concurrently.
#ifndef PERSONA_MODEL_ITEM_MASK_H_
#define PERSONA_MODEL_ITEM_MASK_H_

#include <bit>
#include <cstdint>
#include <vector>

namespace persona::model {

class ItemMask {
 public:
  ItemMask() = default;
  // Creates a mask over `size` items, all set when `all` is true.
  explicit ItemMask(int32_t size, bool all = false)
      : size_(size), words_((size + 63) / 64, all ? ~uint64_t{0} : 0) {
    if (all) ClearTail();
  }

  int32_t size() const { return size_; }
  bool Test(int32_t i) const { return (words_[i >> 6] >> (i & 63)) & 1; }
  void Set(int32_t i) { words_[i >> 6] |= uint64_t{1} << (i & 63); }
  void Reset(int32_t i) { words_[i >> 6] &= ~(uint64_t{1} << (i & 63)); }
  // Resets `i` when it is in range; ignores negative or out-of-range indices.
  void ResetIfValid(int32_t i) {
    if (i >= 0 && i < size_) Reset(i);
  }

  // Keeps only items also in `other` (same size required).
  void And(const ItemMask& other) {
    for (size_t w = 0; w < words_.size(); ++w) words_[w] &= other.words_[w];
  }
  // Removes items that are in `other` (same size required).
  void AndNot(const ItemMask& other) {
    for (size_t w = 0; w < words_.size(); ++w) words_[w] &= ~other.words_[w];
  }
  // Adds items that are in `other` (same size required).
  void Or(const ItemMask& other) {
    for (size_t w = 0; w < words_.size(); ++w) words_[w] |= other.words_[w];
  }

  int32_t Count() const {
    int32_t n = 0;
    for (uint64_t w : words_) n += std::popcount(w);
    return n;
  }

  // Calls fn(i) for every set item in increasing order.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (size_t w = 0; w < words_.size(); ++w) {
      uint64_t bits = words_[w];
      while (bits != 0) {
        fn(static_cast<int32_t>(w * 64 + std::countr_zero(bits)));
        bits &= bits - 1;
      }
    }
  }

  const std::vector<uint64_t>& words() const { return words_; }

 private:
  void ClearTail() {
    if (size_ % 64 != 0 && !words_.empty()) words_.back() &= (uint64_t{1} << (size_ % 64)) - 1;
  }

  int32_t size_ = 0;
  std::vector<uint64_t> words_;
};

}  // namespace persona::model

#endif  // PERSONA_MODEL_ITEM_MASK_H_
