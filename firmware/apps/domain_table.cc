#include "apps/domain_table.h"

#include <fmt/format.h>
#include <sys/random.h>

#include <algorithm>
#include <cstring>
#include <random>

namespace salix::apps {

Token DomainTable::NewToken() {
  Token t;
  do {
    size_t got = 0;
    auto* p = reinterpret_cast<uint8_t*>(t.dw.data());
    while (got < sizeof(t.dw)) {
      const ssize_t n = getrandom(p + got, sizeof(t.dw) - got, 0);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    if (got < sizeof(t.dw)) {  // no getrandom: the C++ library's CSPRNG
      std::random_device rd;
      for (uint32_t& w : t.dw) w = rd();
    }
  } while (t.zero());  // all zero means "no domain" on the wire
  return t;
}

Result<DomainTable::Created, AppError> DomainTable::Create(
    std::span<const LbaRange> ranges, uint64_t lba_count,
    std::span<const LbaRange> reserved) {
  if (by_token_.size() >= SALIX_DOMAIN_MAX) {
    return Err(AppError{Status::DomainLimit(),
                        fmt::format("{} domains exist already", by_token_.size())});
  }
  if (ranges.empty() || ranges.size() > SALIX_DOMAIN_MAX_RANGES) {
    return Err(AppError{Status::InvalidField(),
                        fmt::format("{} ranges: 1 to {} allowed", ranges.size(),
                                    SALIX_DOMAIN_MAX_RANGES)});
  }
  Domain d;
  for (size_t i = 0; i < ranges.size(); i++) {
    const LbaRange& r = ranges[i];
    if (auto e = d.Add(r)) {
      return Err(AppError{Status::InvalidField(), fmt::format("range {}: {}", i, *e)});
    }
    if (r.first >= lba_count || r.count > lba_count - r.first) {
      return Err(AppError{Status::InvalidField(),
                          fmt::format("range {}: LBAs [{}, +{}) pass the end of the "
                                      "namespace ({} LBAs)",
                                      i, r.first, r.count, lba_count)});
    }
    for (const LbaRange& p : reserved) {
      if (r.first < p.first + p.count && p.first < r.first + r.count) {
        return Err(AppError{Status::InvalidField(),
                            fmt::format("range {}: LBAs [{}, +{}) overlap a built-in "
                                        "app's private region [{}, +{})",
                                        i, r.first, r.count, p.first, p.count)});
      }
    }
  }
  Token t = NewToken();
  while (by_token_.count(t) != 0) t = NewToken();
  const uint32_t id = next_id_++;
  by_token_.emplace(t, Entry{id, std::move(d)});
  by_id_.emplace(id, t);
  return Created{id, t};
}

Result<Token, AppError> DomainTable::Destroy(uint32_t id) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) {
    return Err(AppError{Status::AppTokenInvalid(), fmt::format("no domain {}", id)});
  }
  const Token t = it->second;
  by_token_.erase(t);
  by_id_.erase(it);
  revoked_.push_back(t);
  if (revoked_.size() > kRevokedKept) revoked_.pop_front();
  return t;
}

Result<const Domain*, AppError> DomainTable::Find(const Token& token) const {
  auto it = by_token_.find(token);
  if (it != by_token_.end()) return &it->second.domain;
  const bool revoked = std::find(revoked_.begin(), revoked_.end(), token) != revoked_.end();
  return Err(AppError{Status::AppTokenInvalid(),
                      revoked ? "the token's domain was destroyed (revoked token)"
                              : "the token names no domain (forged or stale token)"});
}

}  // namespace salix::apps
