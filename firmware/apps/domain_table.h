// domain_table.h - the protection domains a controller has installed, by
// token (<salix/app_commands.h>, Domain Management).
//
// A token is 128 bits from the OS's CSPRNG (getrandom(2); std::random_device
// if that fails), so a guest process cannot guess one: an invocation with a
// token not in the table is refused before the app runs. Destroying a
// domain revokes its token at once; the table remembers the last revoked
// tokens so the log can say "revoked" rather than "unknown".
//
// Thread-safety: worker thread only.
#ifndef SALIX_APPS_DOMAIN_TABLE_H
#define SALIX_APPS_DOMAIN_TABLE_H

#include <salix/app_commands.h>

#include <array>
#include <cstdint>
#include <deque>
#include <map>
#include <span>
#include <string>

#include "apps/domain.h"
#include "core/result.h"

namespace salix::apps {

struct Token {
  std::array<uint32_t, 4> dw{};  // CDW2, CDW3, CDW14, CDW15
  bool zero() const { return (dw[0] | dw[1] | dw[2] | dw[3]) == 0; }
  friend bool operator==(const Token&, const Token&) = default;
  friend auto operator<=>(const Token&, const Token&) = default;
};

// A refusal: the NVMe status and a reason for the log and salixctl.
struct AppError {
  Status status;
  std::string reason;
};

class DomainTable {
 public:
  struct Created {
    uint32_t id = 0;
    Token token;
  };

  // Ranges must lie inside [0, lba_count) and outside 'reserved' (the
  // private regions of built-in apps). Errors: Invalid Field (a bad range,
  // with the reason), DomainLimit.
  Result<Created, AppError> Create(std::span<const LbaRange> ranges,
                                   uint64_t lba_count,
                                   std::span<const LbaRange> reserved);
  // Errors: AppTokenInvalid for an unknown id.
  Result<Token, AppError> Destroy(uint32_t id);

  // The domain a token names, or an AppTokenInvalid error saying whether
  // the token was revoked or never issued. REQUIRES: !token.zero().
  Result<const Domain*, AppError> Find(const Token& token) const;

  size_t size() const { return by_token_.size(); }

 private:
  struct Entry {
    uint32_t id;
    Domain domain;
  };
  static Token NewToken();

  std::map<Token, Entry> by_token_;
  std::map<uint32_t, Token> by_id_;
  std::deque<Token> revoked_;  // newest last, at most kRevokedKept
  uint32_t next_id_ = 1;
  static constexpr size_t kRevokedKept = 256;
};

}  // namespace salix::apps

#endif  // SALIX_APPS_DOMAIN_TABLE_H
