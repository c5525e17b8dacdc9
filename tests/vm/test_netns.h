#pragma once
// A network namespace built as CNI and Podman build one, for the micro-VM tests: a veth whose
// peer is on the host, with an address and a default route. What strata may leave in it (a
// tap, an ingress qdisc) is listed by leftovers().

#include <unistd.h>

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/cli.h"

namespace strata::test {

// A network namespace with `eth0`, a veth whose host end has 10.213.N.1/24; eth0 has .2 and a
// default route via .1. Removed (with the veth) when this goes.
class TestNetns {
public:
    TestNetns() {
        static int counter = 0;
        int n = (getpid() + counter++) % 250;
        name = "strata-vmnet-" + std::to_string(getpid()) + "-" + std::to_string(counter);
        host_if = "stv" + std::to_string(getpid() % 100000) + "x" + std::to_string(counter);
        subnet = "10.213." + std::to_string(n);
        sh("ip netns add " + name);
        sh("ip link add " + host_if + " type veth peer name eth0 netns " + name);
        sh("ip addr add " + subnet + ".1/24 dev " + host_if + " && ip link set " + host_if + " up");
        sh("ip -n " + name + " addr add " + subnet + ".2/24 dev eth0 && ip -n " + name + " link set eth0 up && ip -n " + name +
           " link set lo up && ip -n " + name + " route add default via " + subnet + ".1");
    }
    ~TestNetns() {
        run_cmd({"ip", "link", "del", host_if});
        run_cmd({"ip", "netns", "del", name});
    }
    std::string path() const { return "/run/netns/" + name; }
    std::string in_ns(const std::string& cmd) const { return run_cmd({"ip", "netns", "exec", name, "sh", "-c", cmd}).out; }
    std::string mac() const {
        std::string out = in_ns("cat /sys/class/net/eth0/address");
        return out.substr(0, out.find('\n'));
    }
    // What strata may leave in the namespace: a tap (..._strata) or an ingress qdisc.
    std::string leftovers() const { return in_ns("ip -o link | grep _strata; tc qdisc show | grep ingress; true"); }
    static void sh(const std::string& cmd) {
        auto r = run_cmd({"sh", "-c", cmd});
        if (r.status != 0) throw std::runtime_error(cmd + ": " + r.err);
    }
    std::string name, host_if, subnet;
};

// Makes config.json join the network namespace at `path`, as engines write it.
inline void join_netns(nlohmann::json& config, const std::string& path) {
    auto& nss = config["linux"]["namespaces"];
    nlohmann::json kept = nlohmann::json::array();
    for (auto& n : nss)
        if (n["type"] != "network") kept.push_back(n);
    kept.push_back({{"type", "network"}, {"path", path}});
    nss = kept;
}

}  // namespace strata::test
