// list, spec, features: commands that report rather than act.

#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <iomanip>
#include <iostream>
#include <sstream>

#include "base/strings.h"
#include "cli/command.h"
#include "runtime/features.h"
#include "runtime/lifecycle.h"
#include "spec/default_spec.h"
#include "sys/file.h"

namespace strata::cli {

void add_list(CLI::App& app, Globals& g) {
    static std::string format = "table";
    static bool quiet = false;
    auto* sub = app.add_subcommand("list", "list containers");
    sub->alias("ls");
    sub->add_option("--format,-f", format, "table or json")->check(CLI::IsMember({"table", "json"}));
    sub->add_flag("--quiet,-q", quiet, "print only ids");
    sub->parse_complete_callback([&g] {
        g.command = [&g]() -> Result<int> {
            auto ids = STRATA_TRY(runtime::list_ids(g.root));
            // Containers run from an image show it in a last column (runc's columns stay as
            // they are when there are none).
            bool images = false;
            for (const auto& id : ids)
                if (auto s = runtime::peek_state(g.root, id); s && s->annotations.count("org.strata.image")) images = true;
            nlohmann::json all = nlohmann::json::array();
            std::ostringstream table;
            table << std::left << std::setw(12) << "ID" << " " << std::setw(8) << "PID" << " "
                  << std::setw(10) << "STATUS" << " " << std::setw(40) << "BUNDLE" << " "
                  << std::setw(31) << "CREATED" << " OWNER" << (images ? "  IMAGE" : "") << "\n";
            for (const auto& id : ids) {
                auto s = runtime::peek_state(g.root, id);
                if (!s) continue;  // being created or deleted right now
                if (quiet) {
                    std::cout << id << "\n";
                    continue;
                }
                auto j = s->public_json(runtime::current_status(*s));
                j["owner"] = "root";
                all.push_back(j);
                table << std::setw(12) << id << " " << std::setw(8) << j["pid"].get<int>() << " "
                      << std::setw(10) << j["status"].get<std::string>() << " " << std::setw(40)
                      << s->bundle << " " << std::setw(31) << s->created << " root";
                if (images) {
                    auto it = s->annotations.find("org.strata.image");
                    table << "   " << (it == s->annotations.end() ? "" : it->second);
                }
                table << "\n";
            }
            if (quiet) return 0;
            if (format == "json") std::cout << all.dump() << "\n";
            else std::cout << table.str();
            return 0;
        };
    });
}

void add_spec(CLI::App& app, Globals& g) {
    static std::string bundle;
    static bool rootless = false, hardened = false;
    auto* sub = app.add_subcommand("spec", "write a default config.json");
    sub->add_option("--bundle,-b", bundle, "directory to write config.json in");
    sub->add_flag("--rootless", rootless, "a config for an unprivileged user (user namespace)");
    sub->add_flag("--hardened", hardened, "also non-root user, no capabilities, tmpfs /tmp");
    sub->parse_complete_callback([&g] {
        g.command = []() -> Result<int> {
            spec::DefaultSpecOptions o;
            o.hardened = hardened;
            o.rootless = rootless;
            o.rootless_uid = ::geteuid();
            o.rootless_gid = ::getegid();
            std::string dir = bundle.empty() ? "." : bundle;
            UniqueFd d = STRATA_TRY(sys::open(dir, O_PATH | O_DIRECTORY));
            if (::faccessat(d.get(), "config.json", F_OK, 0) == 0)
                return error("config.json already exists in " + quote(dir));
            STRATA_TRY(sys::write_file_atomic(d.get(), "config.json", spec::default_spec_json(o), 0644));
            return 0;
        };
    });
}

void add_features(CLI::App& app, Globals& g) {
    auto* sub = app.add_subcommand("features", "print the OCI features document");
    sub->parse_complete_callback([&g] {
        g.command = []() -> Result<int> {
            std::cout << runtime::features().dump(2) << "\n";
            return 0;
        };
    });
}

}  // namespace strata::cli
