// Configuration: every error names the property it is about.
#include <unistd.h>

#include <fstream>
#include <string>

#include "core/config.h"
#include "abi/properties.h"
#include "test_util.h"

namespace salix::test {
namespace {

std::string CreateError(std::vector<std::pair<std::string, std::string>> kv) {
  EmbeddedHostOptions o;
  o.config = std::move(kv);
  o.guest_memory_bytes = 16ull << 20;
  auto r = EmbeddedHost::Create(o);
  REQUIRE_FALSE(r.ok());
  return r.error();
}

}  // namespace

TEST_CASE("Sizes accept K/M/G/T suffixes and reject garbage") {
  CHECK(ParseSize("4096").value() == 4096);
  CHECK(ParseSize("1K").value() == 1024);
  CHECK(ParseSize("16M").value() == 16ull << 20);
  CHECK(ParseSize("2g").value() == 2ull << 30);
  CHECK(ParseSize("1T").value() == 1ull << 40);
  CHECK_FALSE(ParseSize("").ok());
  CHECK_FALSE(ParseSize("G").ok());
  CHECK_FALSE(ParseSize("12Q").ok());
  CHECK_FALSE(ParseSize("-1").ok());
  CHECK_FALSE(ParseSize("99999999999999999999").ok());
  CHECK_FALSE(ParseSize("99999999999T").ok());
}

TEST_CASE("Every documented default is itself a valid value") {
  for (const PropertySpec& p : PropertyTable()) {
    INFO(p.name);
    CHECK(p.validate(p.default_value).empty());
    CHECK(std::string(p.help).size() > 10);
  }
}

TEST_CASE("Bad values are rejected when set, naming the key") {
  Config c(PropertyTable());
  auto bad = [&](const char* k, const char* v) {
    auto e = c.Set(k, v);
    REQUIRE(e.has_value());
    CHECK(e->rfind(std::string(k) + ":", 0) == 0);
    return *e;
  };
  bad("size", "lots");
  bad("size", "1K");  // below the 1M minimum
  bad("queues", "0");
  CHECK(bad("queues", "65").find("between 1 and 64") != std::string::npos);
  CHECK(bad("lba-size", "1024").find("512 or 4096") != std::string::npos);
  bad("mdts", "0");
  bad("serial", "");
  bad("serial", "THIS-SERIAL-IS-FAR-TOO-LONG");
  bad("serial", "has space");
  CHECK(bad("prealloc", "yes").find("on, off") != std::string::npos);
  std::string p = bad("personality", "ftl9000");
  CHECK(p.find("nossd") != std::string::npos);  // lists the valid ones
  auto unknown = c.Set("flash.chanels", "8");  // a typo
  REQUIRE(unknown.has_value());
  CHECK(unknown->find("flash.chanels: unknown property") == 0);
  CHECK(unknown->find("flash.channels") != std::string::npos);
  CHECK(unknown->find("serial") != std::string::npos);  // lists known keys
}

TEST_CASE("Good values are stored and typed getters see them") {
  Config c(PropertyTable());
  CHECK_FALSE(c.Set("size", "2G").has_value());
  CHECK_FALSE(c.Set("queues", "4").has_value());
  CHECK(c.GetSize("size") == 2ull << 30);
  CHECK(c.GetUint("queues") == 4);
  CHECK(c.GetUint("lba-size") == 4096);  // default
  CHECK(c.GetString("serial") == "SALIX0001");
}

TEST_CASE("Controller creation rejects inconsistent combinations by key") {
  CHECK(CreateError({{"size", "1025K"}}).find("size:") == 0);
  CHECK(CreateError({{"size", "1000000000"}, {"lba-size", "4096"}})
            .find("not a multiple of lba-size") != std::string::npos);
  CHECK(CreateError({{"backing-file", "/nonexistent-dir/x/data.img"}})
            .find("backing-file:") == 0);
  CHECK(CreateError({{"backing-file", "/proc"}}).find("backing-file:") == 0);
  CHECK(CreateError({{"no-such-key", "1"}}).find("no-such-key:") == 0);
  CHECK(CreateError({{"personality", "zns"}}).find("personality:") == 0);
  CHECK(CreateError({{"lba-size", "520"}}).find("lba-size:") == 0);
  // nossd's key on an ftl device: refused, naming the key.
  CHECK(CreateError({{"personality", "ftl"}, {"prealloc", "on"}}).find("prealloc") !=
        std::string::npos);
}

TEST_CASE("prealloc=on starts a nossd device with its whole size resident") {
  auto rss_anon = [] {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("RssAnon:", 0) == 0) return std::stoull(line.substr(8)) << 10;
    }
    return 0ull;
  };
  for (const char* prealloc : {"off", "on"}) {
    INFO("prealloc=" << prealloc);
    uint64_t before = rss_anon();
    EmbeddedHostOptions o;
    o.config = {{"size", "64M"}, {"prealloc", prealloc}};
    o.guest_memory_bytes = 16ull << 20;
    auto r = EmbeddedHost::Create(o);
    REQUIRE(r.ok());
    uint64_t grew = rss_anon() - before;
    if (std::string(prealloc) == "on") {
      CHECK(grew >= 64ull << 20);
    } else {
      CHECK(grew < 32ull << 20);
    }
  }
}

TEST_CASE("A backing file larger than size is refused, not truncated") {
  char path[] = "/tmp/salix-config-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(ftruncate(fd, 8 << 20) == 0);
  close(fd);
  std::string e = CreateError({{"size", "4M"}, {"backing-file", path}});
  CHECK(e.find("backing-file:") == 0);
  CHECK(e.find("refusing to truncate") != std::string::npos);
  unlink(path);
}

}  // namespace salix::test
