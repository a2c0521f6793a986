// ftl_util.h - helpers for the FTL tests: options from properties, small
// geometries, a byte pattern per (LPA, version), a temporary directory.
#ifndef SALIX_TESTS_UNIT_FTL_UTIL_H
#define SALIX_TESTS_UNIT_FTL_UTIL_H

#include <catch2/catch.hpp>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "abi/properties.h"
#include "core/config.h"
#include "ftl/ftl.h"
#include "ftl/ftl_options.h"

namespace salix::test {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// A device small enough to fill many times in a test: 2 channels x 2 dies,
// 48-page blocks, 2 MiB of user space (512 pages).
inline KeyValues SmallFlash(KeyValues extra = {}) {
  KeyValues kv = {{"personality", "ftl"},        {"size", "2M"},
                  {"flash.channels", "2"},       {"flash.dies-per-channel", "2"},
                  {"flash.planes-per-die", "1"}, {"flash.pages-per-block", "48"},
                  {"ftl.op-percent", "15"},      {"timing.mode", "off"}};
  for (auto& e : extra) kv.push_back(std::move(e));
  return kv;
}

inline Result<ftl::FtlOptions, std::string> OptionsFrom(const KeyValues& kv) {
  Config c(PropertyTable());
  for (const auto& [k, v] : kv) {
    if (auto e = c.Set(k, v)) return Err(*e);
  }
  return ftl::FtlOptions::FromConfig(c);
}

inline ftl::FtlOptions MustOptions(const KeyValues& kv) {
  auto o = OptionsFrom(kv);
  if (!o.ok()) FAIL("FtlOptions: " << o.error());
  return o.value();
}

inline std::unique_ptr<ftl::Ftl> MustOpen(const ftl::FtlOptions& o) {
  auto f = ftl::Ftl::Open(o);
  if (!f.ok()) FAIL("Ftl::Open: " << f.error());
  return std::move(f).value();
}

// Page content that identifies (lpa, version).
inline std::vector<uint8_t> PagePattern(uint64_t lpa, uint64_t version,
                                        uint32_t size) {
  std::vector<uint8_t> p(size);
  uint64_t x = lpa * 0x9e3779b97f4a7c15ull + version * 0xbf58476d1ce4e5b9ull + 1;
  for (uint32_t i = 0; i < size; ++i) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    p[i] = static_cast<uint8_t>(x);
  }
  return p;
}

inline uint64_t TestSeed() {
  const char* s = std::getenv("SALIX_SEED");
  uint64_t seed = s ? std::strtoull(s, nullptr, 0)
                    : static_cast<uint64_t>(getpid()) * 2654435761u ^
                          static_cast<uint64_t>(time(nullptr));
  return seed;
}

// A fresh directory under /tmp, removed at scope exit.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/salix-ftl-test.XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace salix::test

#endif  // SALIX_TESTS_UNIT_FTL_UTIL_H
