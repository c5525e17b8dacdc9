// strata-agent: PID 1 of strata's micro-VMs. See README.md and src/vm/agent_protocol.h.

#include <cstdio>

#include "agent/boot.h"
#include "agent/session.h"

int main() {
    using namespace strata::agent;
    uint64_t started_us = uptime_us();
    auto fail = [](const strata::Error& e) {
        std::fprintf(stderr, "strata-agent: %s\n", e.message().c_str());
        power_off();
    };
    if (auto r = mount_pseudo_filesystems(); !r) fail(r.error());
    if (auto r = load_modules("/strata/modules.list"); !r) fail(r.error());
    auto channel = open_channel(10000);
    if (!channel) fail(channel.error());
    auto status = run_session(channel->get(), started_us);
    if (!status) std::fprintf(stderr, "strata-agent: %s\n", status.error().message().c_str());
    power_off();
}
