#include "image/load.h"

#include <unistd.h>

#include <set>

#include "base/fault.h"
#include "base/strings.h"
#include "image/digest.h"
#include "image/image_source.h"
#include "image/index.h"
#include "image/oci.h"
#include "image/reference.h"
#include "image/stage.h"

namespace strata::image {
namespace {

using json = nlohmann::json;

struct LayerRef {
    std::string path;         // inside the source
    std::string blob_digest;  // empty: not known (docker-archive layers are plain files)
    std::string diff_id;
};

// An image found in the source, read and verified but not yet stored.
struct Candidate {
    std::string manifest_text, manifest_digest;
    std::string config_text, config_digest;
    std::vector<LayerRef> layers;
    std::vector<std::string> names;
};

std::string blob_path(std::string_view digest) {
    return "blobs/sha256/" + std::string(digest_hex(digest));
}

// A blob of the layout, checked against its digest as it is read.
Result<std::string> read_verified(const ImageSource& src, const Descriptor& d, const std::string& what) {
    if (d.size > kMaxDocumentSize) return error(what + " " + d.digest + " is too large (" + std::to_string(d.size) + " bytes)");
    std::string text = STRATA_TRY(src.read(blob_path(d.digest), kMaxDocumentSize));
    std::string actual = STRATA_TRY(sha256_of(text));
    if (actual != d.digest)
        return error(what + " " + d.digest + ": content does not match its digest (it hashes to " + actual + ")");
    return text;
}

Result<std::vector<std::string>> names_from(const std::vector<std::string>& given) {
    std::vector<std::string> out;
    for (const auto& n : given) out.push_back(STRATA_TRY(parse_reference(n, "docker.io")).str());
    return out;
}

Result<Candidate> oci_candidate(const ImageSource& src, const Descriptor& d, const std::string& what) {
    Candidate c;
    c.manifest_text = STRATA_TRY(read_verified(src, d, what));
    c.manifest_digest = d.digest;
    Manifest m = STRATA_TRY(parse_manifest(c.manifest_text, what + " " + d.digest));
    c.config_text = STRATA_TRY(read_verified(src, m.config, "config"));
    c.config_digest = m.config.digest;
    ImageConfig cfg = STRATA_TRY(parse_image_config(c.config_text, "config " + m.config.digest));
    if (cfg.diff_ids.size() != m.layers.size())
        return error(what + " " + d.digest + ": " + std::to_string(m.layers.size()) + " layers but " +
                     std::to_string(cfg.diff_ids.size()) + " diff-ids in its config");
    for (size_t i = 0; i < m.layers.size(); ++i) {
        STRATA_TRY(with_context(layer_compression(m.layers[i].media_type), "layer " + m.layers[i].digest));
        c.layers.push_back({blob_path(m.layers[i].digest), m.layers[i].digest, cfg.diff_ids[i]});
    }
    return c;
}

Result<std::vector<Candidate>> read_oci_layout(const ImageSource& src) {
    json layout = STRATA_TRY(parse_json(STRATA_TRY(src.read("oci-layout", 4096)), "oci-layout"));
    if (layout.value("imageLayoutVersion", std::string()) != "1.0.0")
        return error("oci-layout: unsupported imageLayoutVersion");
    OciIndex index = STRATA_TRY(parse_oci_index(STRATA_TRY(src.read("index.json", kMaxDocumentSize)), "index.json"));
    std::vector<Candidate> out;
    for (const auto& d : index.manifests) {
        Descriptor pick = d;
        if (is_index_type(d.media_type)) {
            std::string text = STRATA_TRY(read_verified(src, d, "index"));
            OciIndex nested = STRATA_TRY(parse_oci_index(text, "index " + d.digest));
            pick = STRATA_TRY(select_platform(nested, "linux", "amd64", "index " + d.digest));
        } else if (!d.platform.os.empty() && (d.platform.os != "linux" || d.platform.architecture != "amd64")) {
            continue;  // another platform's image
        }
        Candidate c = STRATA_TRY(oci_candidate(src, pick, "manifest"));
        // containerd writes the full name in its own annotation and only the tag in ref.name.
        std::string name;
        if (auto it = d.annotations.find("io.containerd.image.name"); it != d.annotations.end()) name = it->second;
        else if (auto r = d.annotations.find("org.opencontainers.image.ref.name"); r != d.annotations.end()) name = r->second;
        // A bare tag ("latest", as `skopeo copy oci:dir:latest` writes) names no repository.
        if (name.find('/') != std::string::npos || name.find(':') != std::string::npos)
            c.names = STRATA_TRY(names_from({name}));
        out.push_back(std::move(c));
    }
    if (out.empty()) return error("index.json: no image for linux/amd64");
    return out;
}

Result<std::vector<Candidate>> read_docker_archive(const ImageSource& src) {
    auto images = STRATA_TRY(parse_docker_archive_manifest(STRATA_TRY(src.read("manifest.json", kMaxDocumentSize))));
    std::vector<Candidate> out;
    for (const auto& img : images) {
        Candidate c;
        c.config_text = STRATA_TRY(src.read(img.config, kMaxDocumentSize));
        c.config_digest = STRATA_TRY(sha256_of(c.config_text));
        ImageConfig cfg = STRATA_TRY(parse_image_config(c.config_text, quote(img.config)));
        if (cfg.diff_ids.size() != img.layers.size())
            return error("manifest.json: " + std::to_string(img.layers.size()) + " layers but " +
                         std::to_string(cfg.diff_ids.size()) + " diff-ids in " + quote(img.config));
        // The archive has no manifest of its own: one is written for the store, in Docker's
        // schema 2 (the config is Docker's). A layer's blob is its tar, usually uncompressed
        // (digest = diff-id); a compressed one is hashed.
        json layers = json::array();
        for (size_t i = 0; i < img.layers.size(); ++i) {
            OpenedRange r = STRATA_TRY(src.range(img.layers[i]));
            unsigned char magic[4] = {};
            (void)::pread(r.range.fd, magic, sizeof magic, r.range.offset);
            std::string type = "application/vnd.docker.image.rootfs.diff.tar";
            std::string digest = cfg.diff_ids[i];
            bool gz = magic[0] == 0x1f && magic[1] == 0x8b;
            bool zst = magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd;
            if (gz || zst) {
                type = gz ? "application/vnd.docker.image.rootfs.diff.tar.gzip" : "application/vnd.oci.image.layer.v1.tar+zstd";
                digest = STRATA_TRY(hash_range(r.range));
            }
            layers.push_back({{"mediaType", type}, {"digest", digest}, {"size", r.range.length}});
            c.layers.push_back({img.layers[i], gz || zst ? digest : "", cfg.diff_ids[i]});
        }
        json manifest = {
            {"schemaVersion", 2},
            {"mediaType", media::docker_manifest},
            {"config", {{"mediaType", media::docker_config}, {"digest", c.config_digest}, {"size", c.config_text.size()}}},
            {"layers", layers},
        };
        c.manifest_text = manifest.dump();
        c.manifest_digest = STRATA_TRY(sha256_of(c.manifest_text));
        c.names = STRATA_TRY(names_from(img.repo_tags));
        out.push_back(std::move(c));
    }
    return out;
}

Result<LoadedImage> store_image(const Store& store, const ImageSource& src, const Candidate& c,
                                const LoadOptions& opts) {
    LoadedImage out;
    out.manifest = c.manifest_digest;
    out.config = c.config_digest;
    out.names = c.names;
    auto say = [&](const std::string& line) {
        if (opts.progress) opts.progress(line);
    };
    std::vector<StagedLayer> staged;
    std::set<std::string> seen;
    for (const auto& l : c.layers) {
        if (!seen.insert(l.diff_id).second) continue;  // the same layer twice in one image
        if (store.has_layer(l.diff_id)) {
            STRATA_TRY(store.ensure_link(l.diff_id));
            ++out.reused_layers;
            say("Skipping layer " + l.diff_id.substr(7, 12) + ": already present");
            continue;
        }
        OpenedRange r = STRATA_TRY(src.range(l.path));
        std::string what = "layer " + (l.blob_digest.empty() ? quote(l.path) : l.blob_digest);
        staged.push_back(STRATA_TRY(stage_layer(store, r.range, l.blob_digest, l.diff_id, what)));
        ++out.new_layers;
        say("Copying layer " + l.diff_id.substr(7, 12) + ": " + std::to_string(staged.back().stats.bytes) + " bytes");
    }
    fault::point("load.staged");
    // Everything is verified: now into the store. Blobs and layers before the index, so that an
    // index entry never names something that is not there (commit_layer syncs the blobs too).
    STRATA_TRY(store.put_blob(c.config_digest, c.config_text));
    STRATA_TRY(store.put_blob(c.manifest_digest, c.manifest_text));
    fault::point("load.blobs");
    for (auto& s : staged) STRATA_TRY(commit_layer(store, s));
    if (staged.empty()) STRATA_TRY(store.sync());
    fault::point("load.layers");

    ImageRecord rec;
    rec.manifest = c.manifest_digest;
    rec.config = c.config_digest;
    for (const auto& l : c.layers) {
        rec.diff_ids.push_back(l.diff_id);
        rec.size += store.layer_size(l.diff_id);
    }
    rec.created = rfc3339_now();
    FileLock lock = STRATA_TRY(store.lock("index", true));
    Index index = STRATA_TRY(load_index(store));
    index.add(rec, out.names);
    STRATA_TRY(save_index(store, index));
    fault::point("load.indexed");
    return out;
}

}  // namespace

Result<std::vector<LoadedImage>> load(const Store& store, const LoadOptions& opts) {
    // Shared: prune must not take a layer this import has found present and will reference.
    FileLock gc = STRATA_TRY(store.lock("gc", false));
    STRATA_TRY(store.clean_temps());  // what a killed import left
    ImageSource src = STRATA_TRY(ImageSource::open(opts.input, store));
    std::vector<Candidate> found;
    if (src.exists("oci-layout")) found = STRATA_TRY(read_oci_layout(src));
    else if (src.exists("manifest.json")) found = STRATA_TRY(read_docker_archive(src));
    else return error(quote(opts.input) + " is neither an OCI image layout (no oci-layout) nor a docker-archive (no manifest.json)");
    if (!opts.tag.empty()) {
        if (found.size() != 1) return error("--tag: " + quote(opts.input) + " holds " + std::to_string(found.size()) + " images");
        found[0].names = {STRATA_TRY(parse_reference(opts.tag, "localhost")).str()};
    }
    std::vector<LoadedImage> out;
    for (const auto& c : found) out.push_back(STRATA_TRY(with_context(store_image(store, src, c, opts), "load " + quote(opts.input))));
    return out;
}

}  // namespace strata::image
