#include "model/rules/lexer.h"

#include <charconv>
#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "model/rules/ast.h"

namespace persona::model::rules {
namespace {

bool IsKeyChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == ':' ||
         c == '-';
}

bool IsIdentStart(char c) { return absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Longest duration accepted: ten years.
constexpr int64_t kMaxDurationMs = int64_t{3650} * 24 * 3600 * 1000;

class Lexer {
 public:
  explicit Lexer(absl::string_view src) : src_(src) {}

  absl::StatusOr<std::vector<StatementSource>> Run() {
    while (pos_ < src_.size()) {
      const char c = src_[pos_];
      if (c == '#') {
        while (pos_ < src_.size() && src_[pos_] != '\n') ++pos_;
      } else if (c == ';' || (c == '\n' && depth_ <= 0)) {
        Finish();
        ++pos_;
      } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        ++pos_;
      } else {
        if (start_ == absl::string_view::npos) start_ = pos_;
        absl::Status status = NextToken();
        if (!status.ok()) return status;
      }
    }
    Finish();
    return std::move(statements_);
  }

 private:
  void Finish() {
    if (start_ != absl::string_view::npos) {
      statements_.push_back({static_cast<int32_t>(statements_.size() + 1),
                             src_.substr(start_, end_ - start_), std::move(tokens_)});
    }
    tokens_.clear();
    start_ = absl::string_view::npos;
    depth_ = 0;
  }

  absl::Status Error(absl::string_view message, size_t at) const {
    size_t line_end = src_.find_first_of("\n;", at);
    if (line_end == absl::string_view::npos) line_end = src_.size();
    return absl::InvalidArgumentError(
        RuleError(static_cast<int32_t>(statements_.size() + 1),
                  src_.substr(start_, line_end - start_), message,
                  static_cast<int32_t>(at - start_ + 1)));
  }

  void Push(Token token, size_t begin) {
    token.offset = static_cast<int32_t>(begin - start_);
    tokens_.push_back(std::move(token));
    end_ = pos_;
  }

  absl::Status NextToken() {
    const size_t begin = pos_;
    const char c = src_[pos_];
    if (IsIdentStart(c)) return Word(begin);
    if (IsDigit(c) || (c == '-' && pos_ + 1 < src_.size() && IsDigit(src_[pos_ + 1]))) {
      return NumberToken(begin);
    }
    if (c == '"') {
      Token t{.kind = TokenKind::kString};
      absl::Status status = StringLiteral(t.text);
      if (!status.ok()) return status;
      Push(std::move(t), begin);
      return absl::OkStatus();
    }
    return Symbol(begin);
  }

  absl::Status Word(size_t begin) {
    while (pos_ < src_.size() && IsIdentChar(src_[pos_])) ++pos_;
    std::string word(src_.substr(begin, pos_ - begin));
    if (word != "attr" || pos_ >= src_.size() || src_[pos_] != '.') {
      Push({.kind = TokenKind::kIdent, .text = std::move(word)}, begin);
      return absl::OkStatus();
    }
    ++pos_;  // '.'
    Token t{.kind = TokenKind::kAttribute};
    if (pos_ < src_.size() && src_[pos_] == '"') {
      absl::Status status = StringLiteral(t.text);
      if (!status.ok()) return status;
    } else {
      const size_t key_begin = pos_;
      while (pos_ < src_.size() && IsKeyChar(src_[pos_])) ++pos_;
      t.text = std::string(src_.substr(key_begin, pos_ - key_begin));
    }
    if (t.text.empty()) return Error("expected an attribute name after 'attr.'", begin);
    Push(std::move(t), begin);
    return absl::OkStatus();
  }

  absl::Status NumberToken(size_t begin) {
    if (src_[pos_] == '-') ++pos_;
    while (pos_ < src_.size() && IsDigit(src_[pos_])) ++pos_;
    bool integer = true;
    if (pos_ + 1 < src_.size() && src_[pos_] == '.' && IsDigit(src_[pos_ + 1])) {
      integer = false;
      for (++pos_; pos_ < src_.size() && IsDigit(src_[pos_]);) ++pos_;
    }
    if (pos_ + 1 < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E') &&
        (IsDigit(src_[pos_ + 1]) || src_[pos_ + 1] == '-' || src_[pos_ + 1] == '+')) {
      integer = false;
      pos_ += 2;
      while (pos_ < src_.size() && IsDigit(src_[pos_])) ++pos_;
    }
    const absl::string_view digits = src_.substr(begin, pos_ - begin);
    Token t{.kind = TokenKind::kNumber, .text = std::string(digits)};
    // std::from_chars does not take a leading '+' in the exponent.
    std::string plain = t.text;
    if (size_t plus = plain.find('+'); plus != std::string::npos) plain.erase(plus, 1);
    auto [ptr, ec] = std::from_chars(plain.data(), plain.data() + plain.size(), t.number);
    if (ec != std::errc() || ptr != plain.data() + plain.size() || !std::isfinite(t.number)) {
      return Error(absl::StrCat("bad number '", std::string(digits), "'"), begin);
    }
    if (pos_ < src_.size() && src_[pos_] == '%') {
      ++pos_;
      t.kind = TokenKind::kPercent;
    } else if (pos_ < src_.size() && IsIdentChar(src_[pos_])) {
      return Duration(begin, integer, std::move(t));
    }
    Push(std::move(t), begin);
    return absl::OkStatus();
  }

  absl::Status Duration(size_t begin, bool integer, Token t) {
    const size_t unit_begin = pos_;
    while (pos_ < src_.size() && IsIdentChar(src_[pos_])) ++pos_;
    const absl::string_view unit = src_.substr(unit_begin, pos_ - unit_begin);
    int64_t unit_ms = 0;
    if (unit == "s") unit_ms = 1000;
    if (unit == "m") unit_ms = 60 * 1000;
    if (unit == "h") unit_ms = 3600 * 1000;
    if (unit == "d") unit_ms = 24 * 3600 * 1000;
    if (unit == "w") unit_ms = 7 * 24 * 3600 * 1000;
    const absl::string_view text = src_.substr(begin, pos_ - begin);
    if (unit_ms == 0 || !integer) {
      return Error(absl::StrCat("bad duration '", std::string(text), "' (write e.g. 45s, 15m, 12h, 30d, 2w)"),
                   begin);
    }
    if (t.number <= 0 || t.number * static_cast<double>(unit_ms) > kMaxDurationMs) {
      return Error(absl::StrCat("duration '", std::string(text), "' must be positive and at most 3650d"),
                   begin);
    }
    t.kind = TokenKind::kDuration;
    t.text = std::string(text);
    t.duration_ms = static_cast<int64_t>(t.number) * unit_ms;
    Push(std::move(t), begin);
    return absl::OkStatus();
  }

  absl::Status StringLiteral(std::string& out) {
    const size_t begin = pos_++;
    while (pos_ < src_.size() && src_[pos_] != '"') {
      char c = src_[pos_];
      if (c == '\n') break;
      if (c == '\\') {
        if (pos_ + 1 >= src_.size() || (src_[pos_ + 1] != '"' && src_[pos_ + 1] != '\\')) {
          return Error("unknown escape in string (only \\\" and \\\\)", pos_);
        }
        c = src_[++pos_];
      }
      out.push_back(c);
      ++pos_;
    }
    if (pos_ >= src_.size() || src_[pos_] != '"') return Error("unterminated string", begin);
    ++pos_;
    if (out.size() > static_cast<size_t>(kMaxStringBytes)) {
      return Error(absl::StrCat("string longer than ", kMaxStringBytes, " bytes"), begin);
    }
    return absl::OkStatus();
  }

  absl::Status Symbol(size_t begin) {
    const char c = src_[pos_++];
    const char next = pos_ < src_.size() ? src_[pos_] : '\0';
    Token t;
    switch (c) {
      case '(': t.kind = TokenKind::kLParen; ++depth_; break;
      case ')': t.kind = TokenKind::kRParen; --depth_; break;
      case '[': t.kind = TokenKind::kLBracket; ++depth_; break;
      case ']': t.kind = TokenKind::kRBracket; --depth_; break;
      case ',': t.kind = TokenKind::kComma; break;
      case '=':
      case '<':
      case '>':
      case '!':
        if (c == '!' && next != '=') return Error("unexpected character '!'", begin);
        t.kind = TokenKind::kOp;
        t.text = std::string(1, c);
        if (next == '=') {
          ++pos_;
          if (c != '=') t.text += '=';  // "==" reads as "="
        }
        break;
      default:
        return Error(absl::StrCat("unexpected character '", std::string(1, c), "'"), begin);
    }
    if (t.text.empty()) t.text = std::string(1, c);
    Push(std::move(t), begin);
    return absl::OkStatus();
  }

  absl::string_view src_;
  size_t pos_ = 0;
  size_t start_ = absl::string_view::npos;
  size_t end_ = 0;
  int depth_ = 0;
  std::vector<Token> tokens_;
  std::vector<StatementSource> statements_;
};

}  // namespace

absl::StatusOr<std::vector<StatementSource>> SplitStatements(absl::string_view source) {
  return Lexer(source).Run();
}

std::string RuleError(int32_t number, absl::string_view text, absl::string_view message,
                      int32_t column) {
  std::string shown(text.substr(0, 80));
  if (text.size() > 80) shown += "...";
  std::string out = absl::StrCat("rule ", number, " (\"", shown, "\"): ", message);
  if (column > 0) absl::StrAppend(&out, " at column ", column);
  return out;
}

std::string Quote(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string AttributeName(absl::string_view key) {
  bool plain = !key.empty();
  for (char c : key) plain = plain && IsKeyChar(c);
  return plain ? absl::StrCat("attr.", std::string(key)) : absl::StrCat("attr.", Quote(key));
}

std::string AvailabilityName(Availability a) {
  switch (a) {
    case Availability::kUnspecified:
    case Availability::kInStock: return "in_stock";
    case Availability::kOutOfStock: return "out_of_stock";
    case Availability::kPreorder: return "preorder";
    case Availability::kDiscontinued: return "discontinued";
  }
  return "in_stock";
}

std::optional<Availability> ParseAvailabilityName(absl::string_view name) {
  if (name == "in_stock") return Availability::kInStock;
  if (name == "out_of_stock") return Availability::kOutOfStock;
  if (name == "preorder") return Availability::kPreorder;
  if (name == "discontinued") return Availability::kDiscontinued;
  return std::nullopt;
}

std::string FormatNumber(double v) {
  if (v == 0) v = 0;  // -0 prints as 0
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return ec == std::errc() ? std::string(buf, end) : absl::StrCat(v);
}

std::string FormatDuration(int64_t ms) {
  constexpr int64_t kSecond = 1000, kMinute = 60 * kSecond, kHour = 60 * kMinute,
                    kDay = 24 * kHour;
  if (ms % kDay == 0) return absl::StrCat(ms / kDay, "d");
  if (ms % kHour == 0) return absl::StrCat(ms / kHour, "h");
  if (ms % kMinute == 0) return absl::StrCat(ms / kMinute, "m");
  return absl::StrCat(ms / kSecond, "s");
}

}  // namespace persona::model::rules
