// The host library for SSD apps (salix/host/apps.h) and the broker's
// permission check (salix/host/broker.h), over an embedded device.
#include <catch2/catch.hpp>
#include <salix/app_commands.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>

#include "apps/examples/app_examples.h"
#include "apps/examples/checksum.h"
#include "salix/host/apps.h"
#include "salix/host/broker.h"
#include "salix/host/embedded_device.h"

namespace salix::host {
namespace {

std::unique_ptr<EmbeddedDevice> MakeDevice() {
  EmbeddedDeviceOptions o;
  o.config = {{"size", "16M"}};
  auto d = EmbeddedDevice::Create(o);
  REQUIRE(d.ok());
  return std::move(d.value());
}

TEST_CASE("AppClient loads, lists, invokes and unloads an app", "[apps]") {
  auto dev = MakeDevice();
  AppClient c(*dev);
  auto obj = apps::examples::ExampleObject("checksum");
  uint32_t insns = 0;
  REQUIRE(c.Load(2, obj, SALIX_PROGRAM_EBPF_ELF, &insns).ok());
  CHECK(insns > 0);
  REQUIRE(c.Activate(2, "crc").ok());
  DomainGrant g;
  const salix_domain_range r{0, 16, SALIX_DOMAIN_READ, {}};
  REQUIRE(c.CreateDomain({&r, 1}, &g).ok());
  CHECK(!g.token.zero());
  auto back = AppToken::FromHex(g.token.ToHex());
  REQUIRE(back);
  CHECK(std::memcmp(&back->t, &g.token.t, sizeof(g.token.t)) == 0);

  auto slot = c.ResolveSlot("crc");
  REQUIRE(slot.ok());
  CHECK(slot.value() == 2);
  checksum_params p{0, 4, 0};
  std::vector<uint8_t> in(sizeof(p));
  std::memcpy(in.data(), &p, sizeof(p));
  InvokeOutcome o = c.Invoke(2, 0, g.token, in, 16);
  REQUIRE(o.status.ok());
  REQUIRE(o.output.size() == 4);
  uint32_t out;
  std::memcpy(&out, o.output.data(), 4);
  CHECK(out == o.value);

  p.lba_count = 17;  // past the domain
  std::memcpy(in.data(), &p, sizeof(p));
  o = c.Invoke(2, 0, g.token, in, 16);
  CHECK(o.status.status == (0x700 | SALIX_SC_ACCESS_DENIED));
  CHECK(o.status.message.find("outside the caller's domain") != std::string::npos);

  auto list = c.List();
  REQUIRE(list.ok());
  REQUIRE(list.value().size() == 1);
  CHECK(list.value()[0].name == "crc");
  CHECK(list.value()[0].entry.calls == 2);
  REQUIRE(list.value()[0].functions.size() == 1);

  REQUIRE(c.DestroyDomain(g.id).ok());
  o = c.Invoke(2, 0, g.token, in, 16);
  CHECK(o.status.status == (0x700 | SALIX_SC_TOKEN_INVALID));
  CHECK(o.status.message.find("revoked") != std::string::npos);
  CHECK(c.Unload(2).status == (0x700 | SALIX_SC_PROGRAM_ACTIVE));
  REQUIRE(c.Deactivate(2).ok());
  REQUIRE(c.Unload(2).ok());
  CHECK(c.List().value().empty());
}

TEST_CASE("Every app status has a readable reason", "[apps]") {
  for (uint16_t sc = SALIX_SC_PROGRAM_INVALID; sc <= SALIX_SC_CALL_DEPTH; sc++) {
    const std::string r = AppStatusReason(0x700 | sc);
    CHECK(r.find("NVMe error") == std::string::npos);
    CHECK(r.find(": ") != std::string::npos);
  }
}

TEST_CASE("File permission bits decide the rights the broker grants", "[apps]") {
  Credentials owner{1000, 1000, {}};
  Credentials member{1001, 2000, {1000}};
  Credentials other{1002, 2000, {}};
  Credentials root{0, 0, {}};
  const uint8_t rw = SALIX_DOMAIN_READ | SALIX_DOMAIN_WRITE;
  CHECK(FileRights(owner, 0640, 1000, 1000) == rw);
  CHECK(FileRights(member, 0640, 1000, 1000) == SALIX_DOMAIN_READ);
  CHECK(FileRights(other, 0640, 1000, 1000) == 0);
  CHECK(FileRights(other, 0602, 1000, 1000) == SALIX_DOMAIN_WRITE);
  CHECK(FileRights(owner, 0070, 1000, 1000) == 0);  // owner bits win, as in the kernel
  CHECK(FileRights(root, 0, 1000, 1000) == rw);
}

TEST_CASE("The broker resolves an extent file and refuses more than its mode allows",
          "[apps]") {
  char tmpl[] = "/tmp/salix-extent-XXXXXX";
  const int fd = mkstemp(tmpl);
  REQUIRE(fd >= 0);
  close(fd);
  std::ofstream(tmpl) << "salix-extent /dev/ng0n1 100 50\n";
  REQUIRE(chmod(tmpl, 0640) == 0);
  struct stat st;
  REQUIRE(stat(tmpl, &st) == 0);
  Credentials owner{st.st_uid == 0 ? 4242u : st.st_uid, st.st_gid, {}};
  // Make 'owner' the file's owner for the check even when tests run as root.
  if (st.st_uid == 0) REQUIRE(chown(tmpl, 4242, st.st_gid) == 0);
  Credentials stranger{4343, 4343, {}};

  auto g = CheckExtent({tmpl, SALIX_DOMAIN_READ | SALIX_DOMAIN_WRITE}, owner, 512, 1000);
  REQUIRE(g.ok());
  CHECK(g.value().device == "/dev/ng0n1");
  CHECK(g.value().first == 100);
  CHECK(g.value().count == 50);
  auto no = CheckExtent({tmpl, SALIX_DOMAIN_READ}, stranger, 512, 1000);
  REQUIRE(!no.ok());
  CHECK(no.error().message.find("may nothing") != std::string::npos);
  Credentials group{4444, st.st_gid, {}};
  CHECK(CheckExtent({tmpl, SALIX_DOMAIN_READ}, group, 512, 1000).ok());
  CHECK(!CheckExtent({tmpl, SALIX_DOMAIN_WRITE}, group, 512, 1000).ok());
  // The extent must fit the namespace.
  CHECK(!CheckExtent({tmpl, SALIX_DOMAIN_READ}, owner, 512, 120).ok());
  std::remove(tmpl);
}

}  // namespace
}  // namespace salix::host
