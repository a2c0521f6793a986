#include "sim/trace_reader.h"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>

namespace salix::sim {
namespace {

constexpr size_t kFields = 7;
constexpr uint64_t kMaxRequestBytes = uint64_t{1} << 40;
constexpr std::array<const char*, kFields> kFieldNames = {
    "Timestamp", "Hostname", "DiskNumber", "Type",
    "Offset",    "Size",     "ResponseTime"};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' ||
                        s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

Result<uint64_t, std::string> Number(std::string_view text, size_t field) {
  uint64_t v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (text.empty() || ec != std::errc() || p != end) {
    return Err(fmt::format("{} '{}' is not a non-negative integer",
                           kFieldNames[field], text));
  }
  return v;
}

bool IsHeader(std::string_view line) {
  return line.size() >= 9 && EqualsIgnoreCase(line.substr(0, 9), "Timestamp");
}

}  // namespace

Result<TraceRecord, std::string> ParseTraceLine(std::string_view line) {
  std::array<std::string_view, kFields> f;
  size_t n = 0;
  std::string_view rest = Trim(line);
  while (true) {
    size_t comma = rest.find(',');
    if (n < kFields) f[n] = Trim(rest.substr(0, comma));
    n++;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  if (n != kFields) {
    return Err(fmt::format(
        "expected {} comma-separated fields "
        "(Timestamp,Hostname,DiskNumber,Type,Offset,Size,ResponseTime), "
        "found {}",
        kFields, n));
  }
  TraceRecord r;
  auto ts = Number(f[0], 0);
  if (!ts.ok()) return Err(ts.error());
  r.timestamp = ts.value();
  auto disk = Number(f[2], 2);
  if (!disk.ok()) return Err(disk.error());
  if (disk.value() > UINT32_MAX) {
    return Err(fmt::format("DiskNumber {} is too large", f[2]));
  }
  r.disk = static_cast<uint32_t>(disk.value());
  if (EqualsIgnoreCase(f[3], "Read")) {
    r.write = false;
  } else if (EqualsIgnoreCase(f[3], "Write")) {
    r.write = true;
  } else {
    return Err(fmt::format("Type '{}' is neither Read nor Write", f[3]));
  }
  auto offset = Number(f[4], 4);
  if (!offset.ok()) return Err(offset.error());
  r.offset = offset.value();
  auto size = Number(f[5], 5);
  if (!size.ok()) return Err(size.error());
  if (size.value() == 0) return Err(std::string("Size is 0"));
  if (size.value() > kMaxRequestBytes) {
    return Err(fmt::format("Size {} is above the 1 TiB a request may have",
                           size.value()));
  }
  r.size = size.value();
  auto rt = Number(f[6], 6);
  if (!rt.ok()) return Err(rt.error());
  r.response_time = rt.value();
  return r;
}

TraceReader::TraceReader(std::FILE* file, std::string name, std::string text)
    : file_(file), name_(std::move(name)), text_(std::move(text)) {}

TraceReader::~TraceReader() {
  if (file_ != nullptr) std::fclose(file_);
  std::free(buf_);
}

Result<std::unique_ptr<TraceReader>, std::string> TraceReader::Open(
    const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) {
    return Err(fmt::format("cannot open trace {}: {}", path,
                           std::strerror(errno)));
  }
  return std::unique_ptr<TraceReader>(new TraceReader(f, path, {}));
}

std::unique_ptr<TraceReader> TraceReader::FromString(std::string text,
                                                     std::string name) {
  std::unique_ptr<TraceReader> r(
      new TraceReader(nullptr, std::move(name), std::move(text)));
  // fmemopen reads text_ in place; text_ lives as long as the reader.
  r->file_ = r->text_.empty() ? nullptr
                              : fmemopen(r->text_.data(), r->text_.size(), "r");
  return r;
}

bool TraceReader::Next(TraceRecord* record) {
  if (!error_.empty() || file_ == nullptr) return false;
  while (true) {
    ssize_t len = getline(&buf_, &cap_, file_);
    if (len < 0) {
      if (std::ferror(file_)) {
        error_ = fmt::format("{}:{}: read error: {}", name_, line_ + 1,
                             std::strerror(errno));
      }
      return false;
    }
    line_++;
    std::string_view line = Trim(std::string_view(buf_, size_t(len)));
    if (line.empty()) continue;
    if (line_ == 1 && IsHeader(line)) continue;
    auto r = ParseTraceLine(line);
    if (!r.ok()) {
      error_ = fmt::format("{}:{}: {}", name_, line_, r.error());
      return false;
    }
    *record = r.value();
    return true;
  }
}

}  // namespace salix::sim
