// The image store's commands: load, pull, images, rmi, image inspect, prune (as Podman names
// them). They open the store under --data-root; only they load libarchive/libcrypto/libcurl.

#include <unistd.h>

#include <ctime>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "base/strings.h"
#include "cli/command.h"
#include "image/gc.h"
#include "image/index.h"
#include "image/load.h"
#include "image/oci.h"
#include "image/pull.h"
#include "image/reference.h"
#include "image/store.h"

namespace strata::cli {
namespace {

using json = nlohmann::json;

std::string human_size(int64_t bytes) {
    const char* units[] = {"B", "kB", "MB", "GB", "TB"};
    double v = static_cast<double>(bytes);
    int u = 0;
    while (v >= 1000 && u < 4) {
        v /= 1000;
        ++u;
    }
    std::ostringstream s;
    s << std::setprecision(v < 10 && u > 0 ? 2 : 3) << v << " " << units[u];
    return s.str();
}

// "2026-11-23T20:52:01Z" -> "3 minutes ago", as `podman images` shows it.
std::string ago(const std::string& rfc3339) {
    std::tm tm{};
    if (!strptime(rfc3339.c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) return rfc3339;
    long secs = static_cast<long>(std::time(nullptr) - timegm(&tm));
    if (secs < 0) secs = 0;
    auto unit = [](long n, const char* what) {
        return std::to_string(n) + " " + what + (n == 1 ? "" : "s") + " ago";
    };
    if (secs < 60) return unit(secs, "second");
    if (secs < 3600) return unit(secs / 60, "minute");
    if (secs < 86400) return unit(secs / 3600, "hour");
    return unit(secs / 86400, "day");
}

}  // namespace

void add_load(CLI::App& app, Globals& g) {
    struct Flags {
        std::string input, tag;
        bool quiet = false;
    };
    static Flags flags;
    auto* f = &flags;
    auto* sub = app.add_subcommand("load", "import images from an OCI layout (dir or tar) or a docker-archive tar");
    sub->add_option("--input,-i", f->input, "the directory or tar file")->required();
    sub->add_option("--tag,-t", f->tag, "NAME[:TAG] for the image (instead of the names in the archive)");
    sub->add_flag("--quiet,-q", f->quiet, "print only the loaded images");
    sub->parse_complete_callback([&g, f] {
        g.command = [&g, f]() -> Result<int> {
            image::Store store = STRATA_TRY(image::Store::open(g.data_root));
            image::LoadOptions o;
            o.input = f->input;
            o.tag = f->tag;
            if (!f->quiet) o.progress = [](const std::string& line) { std::cerr << line << "\n"; };
            auto loaded = STRATA_TRY(image::load(store, o));
            for (const auto& l : loaded) {
                if (l.names.empty()) std::cout << "Loaded image: " << l.config << "\n";
                for (const auto& n : l.names) std::cout << "Loaded image: " << n << "\n";
            }
            return 0;
        };
    });
}

void add_pull(CLI::App& app, Globals& g) {
    struct Flags {
        std::string ref, creds;
        bool tls_verify = true, quiet = false;
        int jobs = 3;
    };
    static Flags flags;
    auto* f = &flags;
    auto* sub = app.add_subcommand("pull", "pull an image from a registry: HOST[:PORT]/NAME[:TAG|@DIGEST]");
    sub->add_option("--tls-verify", f->tls_verify, "verify the registry's certificate (--tls-verify=false: don't, and allow plain HTTP)");
    sub->add_option("--creds", f->creds, "USER:PASSWORD for the registry");
    sub->add_option("--jobs", f->jobs, "layers downloaded in parallel")->check(CLI::Range(1, 16));
    sub->add_flag("--quiet,-q", f->quiet, "no progress output");
    sub->add_option("image", f->ref, "the image reference")->required();
    sub->parse_complete_callback([&g, f] {
        g.command = [&g, f]() -> Result<int> {
            image::Store store = STRATA_TRY(image::Store::open(g.data_root));
            image::PullOptions o;
            o.reference = f->ref;
            o.client.tls_verify = f->tls_verify;
            if (!f->creds.empty()) {
                auto colon = f->creds.find(':');
                o.client.username = f->creds.substr(0, colon);
                if (colon != std::string::npos) o.client.password = f->creds.substr(colon + 1);
            }
            o.jobs = f->jobs;
            o.tty = ::isatty(2);
            if (!f->quiet) o.out = [](const std::string& s) { std::cerr << s << std::flush; };
            auto p = STRATA_TRY(image::pull(store, o));
            if (!f->quiet) std::cerr << "Writing manifest " << p.manifest << "\n";
            std::cout << p.config << "\n";
            return 0;
        };
    });
}

void add_images(CLI::App& app, Globals& g) {
    struct Flags {
        bool quiet = false;
        std::string format = "table";
    };
    static Flags flags;
    auto* f = &flags;
    auto* sub = app.add_subcommand("images", "list the images in the store");
    sub->add_flag("--quiet,-q", f->quiet, "print only image IDs");
    sub->add_option("--format", f->format, "table or json")->check(CLI::IsMember({"table", "json"}));
    sub->parse_complete_callback([&g, f] {
        g.command = [&g, f]() -> Result<int> {
            image::Store store = STRATA_TRY(image::Store::open(g.data_root));
            image::Index index = STRATA_TRY(image::load_index(store));
            std::ostringstream t;
            t << std::left << std::setw(40) << "REPOSITORY" << " " << std::setw(12) << "TAG" << " " << std::setw(14)
              << "IMAGE ID" << " " << std::setw(16) << "CREATED" << " SIZE\n";
            json all = json::array();
            for (const auto& [m, r] : index.images()) {
                auto names = index.names_of(m);
                if (f->quiet) {
                    std::cout << r.id().substr(0, 12) << "\n";
                    continue;
                }
                all.push_back({{"Id", r.id()}, {"Digest", r.manifest}, {"Names", names}, {"Created", r.created}, {"Size", r.size}});
                if (names.empty()) names.push_back("<none>:<none>");
                for (const auto& n : names) {
                    size_t colon = n.rfind(':');
                    t << std::setw(40) << n.substr(0, colon) << " " << std::setw(12) << n.substr(colon + 1) << " "
                      << std::setw(14) << r.id().substr(0, 12) << " " << std::setw(16) << ago(r.created) << " "
                      << human_size(r.size) << "\n";
                }
            }
            if (f->quiet) return 0;
            if (f->format == "json") std::cout << all.dump(2) << "\n";
            else std::cout << t.str();
            return 0;
        };
    });
}

void add_rmi(CLI::App& app, Globals& g) {
    static std::vector<std::string> refs;
    auto* r = &refs;
    auto* sub = app.add_subcommand("rmi", "remove images (refused while a container uses one)");
    sub->add_option("image", *r, "name or ID")->required();
    sub->parse_complete_callback([&g, r] {
        g.command = [&g, r]() -> Result<int> {
            image::Store store = STRATA_TRY(image::Store::open(g.data_root));
            for (const auto& ref : *r) {
                auto rep = STRATA_TRY(with_context(image::remove_image(store, ref), "rmi " + ref));
                for (const auto& n : rep.untagged) std::cout << "Untagged: " << n << "\n";
                if (!rep.deleted.empty()) std::cout << "Deleted: " << rep.deleted << "\n";
            }
            return 0;
        };
    });
}

void add_image(CLI::App& app, Globals& g) {
    static std::vector<std::string> refs;
    auto* r = &refs;
    auto* image = app.add_subcommand("image", "image subcommands");
    image->require_subcommand(1);
    auto* sub = image->add_subcommand("inspect", "print an image's details as JSON");
    sub->add_option("image", *r, "name or ID")->required();
    sub->parse_complete_callback([&g, r] {
        g.command = [&g, r]() -> Result<int> {
            image::Store store = STRATA_TRY(image::Store::open(g.data_root));
            image::Index index = STRATA_TRY(image::load_index(store));
            json out = json::array();
            for (const auto& ref : *r) {
                const image::ImageRecord* rec = STRATA_TRY(index.find(ref));
                std::string cfg_text = STRATA_TRY(store.read_blob(rec->config, image::kMaxDocumentSize));
                std::string man_text = STRATA_TRY(store.read_blob(rec->manifest, image::kMaxDocumentSize));
                json cfg = STRATA_TRY(image::parse_json(cfg_text, "config " + rec->config));
                json man = STRATA_TRY(image::parse_json(man_text, "manifest " + rec->manifest));
                out.push_back({{"Id", rec->id()},
                               {"Digest", rec->manifest},
                               {"RepoTags", index.names_of(rec->manifest)},
                               {"Created", cfg.value("created", std::string())},
                               {"Stored", rec->created},
                               {"Architecture", cfg.value("architecture", std::string())},
                               {"Os", cfg.value("os", std::string())},
                               {"Size", rec->size},
                               {"Config", cfg.value("config", json::object())},
                               {"RootFS", {{"Type", "layers"}, {"Layers", rec->diff_ids}}},
                               {"Manifest", man}});
            }
            std::cout << out.dump(4) << "\n";
            return 0;
        };
    });
}

void add_prune(CLI::App& app, Globals& g) {
    auto* sub = app.add_subcommand("prune", "remove layers and blobs no image or container uses");
    sub->parse_complete_callback([&g] {
        g.command = [&g]() -> Result<int> {
            image::Store store = STRATA_TRY(image::Store::open(g.data_root));
            auto rep = STRATA_TRY(image::prune(store));
            std::cout << "Removed " << rep.layers << " layers, " << rep.blobs << " blobs, " << rep.containers
                      << " orphaned container directories, " << rep.temp << " temporary entries\n";
            return 0;
        };
    });
}

}  // namespace strata::cli
