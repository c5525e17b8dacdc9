#include "image/pull.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "base/scope_exit.h"
#include "base/strings.h"
#include "image/digest.h"
#include "image/index.h"
#include "image/oci.h"
#include "image/progress.h"
#include "image/reference.h"
#include "image/stage.h"
#include "sys/file.h"

namespace strata::image {
namespace {

struct Job {
    Descriptor layer;
    std::string diff_id;
};

// Downloads a layer blob into the store (verified), unpacks it, adds the layer, and drops the
// blob. A blob already in the store is a download an earlier pull finished: not fetched again.
Result<> fetch_layer(const Store& store, registry::Client& client, registry::Http& http, const Job& job,
                     Progress& progress) {
    const std::string& digest = job.layer.digest;
    if (!store.has_blob(digest)) {
        std::string tmp = "blob." + random_hex(16);
        UniqueFd fd = STRATA_TRY(sys::openat(store.tmp_fd(), tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600));
        ScopeExit remove_tmp([&] { ::unlinkat(store.tmp_fd(), tmp.c_str(), 0); });
        Sha256 hash = STRATA_TRY(Sha256::create());
        int64_t got = 0;
        std::optional<Error> write_error;
        auto r = client.blob_stream(http, digest, [&](const char* data, size_t n) {
            if (auto w = sys::write_all(fd.get(), std::string_view(data, n), "blob " + digest); !w) {
                write_error = w.error();
                return false;
            }
            hash.update(data, n);
            got += static_cast<int64_t>(n);
            progress.add(static_cast<int64_t>(n));
            return true;
        });
        if (write_error) return std::unexpected(*write_error);
        if (!r) return r;
        std::string actual = hash.digest();
        if (actual != digest)
            return error("layer " + digest + ": downloaded content does not match its digest (it hashes to " + actual + ")");
        if (job.layer.size >= 0 && got != job.layer.size)
            return error("layer " + digest + ": " + std::to_string(got) + " bytes, the manifest says " + std::to_string(job.layer.size));
        fd.reset();
        STRATA_TRY(store.adopt_blob(tmp, digest));
        remove_tmp.dismiss();
    } else {
        progress.add(job.layer.size);
    }
    UniqueFd blob = STRATA_TRY(sys::open(store.blob_path(digest), O_RDONLY));
    StagedLayer staged = STRATA_TRY(stage_layer(store, FileRange{blob.get(), 0, -1}, digest, job.diff_id, "layer " + digest));
    STRATA_TRY(commit_layer(store, staged));
    STRATA_TRY(store.remove_blob(digest));
    progress.layer_done("Copying blob " + digest.substr(7, 12) + " done (" + format_bytes(job.layer.size) + ")");
    return {};
}

// Runs the jobs on up to `n` threads, each with its own connection; stops at the first error.
Result<> fetch_all(const Store& store, registry::Client& client, const std::vector<Job>& jobs, int n,
                   Progress& progress) {
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::mutex mu;
    std::optional<Error> first;
    auto worker = [&] {
        auto http = registry::Http::create();
        for (size_t i; !failed && (i = next++) < jobs.size();) {
            auto r = http ? fetch_layer(store, client, *http, jobs[i], progress) : Result<>(std::unexpected(http.error()));
            if (!r) {
                std::lock_guard l(mu);
                if (!first) first = r.error();
                failed = true;
            }
        }
    };
    {
        std::vector<std::jthread> threads;
        for (int t = 0; t < n && static_cast<size_t>(t) < jobs.size(); ++t) threads.emplace_back(worker);
    }
    if (first) return std::unexpected(*first);
    return {};
}

}  // namespace

Result<Pulled> pull(const Store& store, const PullOptions& opts) {
    Reference ref = STRATA_TRY(parse_reference(opts.reference, "docker.io"));
    const std::string what = ref.str();
    // Shared: prune must not take the layers this pull finds present and will reference.
    FileLock gc = STRATA_TRY(store.lock("gc", false));
    registry::Http http = STRATA_TRY(registry::Http::create());
    auto client = STRATA_TRY(registry::Client::connect(http, ref.api_host(), ref.repository, opts.client));

    auto doc = STRATA_TRY(client->manifest(http, ref.digest.empty() ? ref.tag : ref.digest));
    if (is_index_type(doc.media_type)) {
        OciIndex idx = STRATA_TRY(parse_oci_index(doc.body, "index " + doc.digest));
        Descriptor d = STRATA_TRY(select_platform(idx, "linux", "amd64", what));
        doc = STRATA_TRY(client->manifest(http, d.digest));
    }
    Manifest m = STRATA_TRY(parse_manifest(doc.body, "manifest " + doc.digest));
    std::string config_text = STRATA_TRY(client->blob(http, m.config.digest, kMaxDocumentSize));
    ImageConfig cfg = STRATA_TRY(parse_image_config(config_text, "config " + m.config.digest));
    if (cfg.diff_ids.size() != m.layers.size())
        return error(what + ": " + std::to_string(m.layers.size()) + " layers but " + std::to_string(cfg.diff_ids.size()) +
                     " diff-ids in its config");

    Pulled out;
    out.manifest = doc.digest;
    out.config = m.config.digest;
    std::vector<Job> jobs;
    std::set<std::string> seen;
    int64_t total = 0;
    for (size_t i = 0; i < m.layers.size(); ++i) {
        STRATA_TRY(with_context(layer_compression(m.layers[i].media_type), "layer " + m.layers[i].digest));
        if (!seen.insert(cfg.diff_ids[i]).second) continue;
        if (store.has_layer(cfg.diff_ids[i])) {
            ++out.present;
            continue;
        }
        jobs.push_back({m.layers[i], cfg.diff_ids[i]});
        total += m.layers[i].size;
    }
    out.downloaded = static_cast<int>(jobs.size());
    if (opts.out && !opts.tty && out.present)
        opts.out(std::to_string(out.present) + " of " + std::to_string(seen.size()) + " layers already present\n");
    {
        Progress progress(opts.out ? opts.out : [](const std::string&) {}, opts.tty && opts.out, total,
                          static_cast<int>(jobs.size()));
        STRATA_TRY(with_context(fetch_all(store, *client, jobs, std::max(1, opts.jobs), progress), "pull " + what));
    }

    STRATA_TRY(store.put_blob(m.config.digest, config_text));
    STRATA_TRY(store.put_blob(doc.digest, doc.body));
    STRATA_TRY(store.sync());
    ImageRecord rec;
    rec.manifest = doc.digest;
    rec.config = m.config.digest;
    rec.diff_ids = cfg.diff_ids;
    for (const auto& d : cfg.diff_ids) rec.size += store.layer_size(d);
    rec.created = rfc3339_now();
    out.name = ref.digest.empty() ? ref.str() : ref.name() + "@" + ref.digest;
    FileLock lock = STRATA_TRY(store.lock("index", true));
    Index index = STRATA_TRY(load_index(store));
    index.add(rec, ref.digest.empty() ? std::vector<std::string>{ref.str()} : std::vector<std::string>{});
    STRATA_TRY(save_index(store, index));
    return out;
}

}  // namespace strata::image
