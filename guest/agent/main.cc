// strata-agent: PID 1 of strata's micro-VMs. See README.md and src/vm/protocol/agent_protocol.h.

#include <cstdio>

#include "agent/boot.h"
#include "agent/session.h"
#include "agent/timeline.h"
#include "ns/namespaces.h"

int main() {
    using namespace strata::agent;
    uint64_t started_us = uptime_us();
    mark("init");
    auto fail = [](const strata::Error& e) {
        std::fprintf(stderr, "strata-agent: %s\n", e.message().c_str());
        power_off();
    };
    // The channel first: the host sends the config once it has the hello, and the rest of the
    // boot runs while that is on its way.
    if (auto r = mount_dev(); !r) fail(r.error());
    if (auto r = load_modules("/strata/modules.list"); !r) fail(r.error());
    auto channel = open_channel(10000);
    if (!channel) fail(channel.error());
    if (auto r = say_hello(channel->get(), started_us); !r) fail(r.error());
    mark("channel");
    if (auto r = mount_pseudo_filesystems(); !r) fail(r.error());
    mark("pseudo");
    // The guest's network is its loopback alone. A workload sees it up whether it has its own
    // network namespace (which would hold just an up lo) or shares the guest's.
    if (auto r = strata::ns::loopback_up(); !r) fail(r.error());
    mark("boot");
    auto status = run_session(channel->get());
    if (!status) std::fprintf(stderr, "strata-agent: %s\n", status.error().message().c_str());
    power_off();
}
