#include "image/oci.h"

#include "base/strings.h"
#include "image/digest.h"

namespace strata::image {

using json = nlohmann::json;

namespace {

// Reads a descriptor; json exceptions are caught by the callers' try blocks.
Result<Descriptor> descriptor(const json& j, const std::string& what) {
    if (!j.is_object()) return error(what + ": not an object");
    Descriptor d;
    d.media_type = j.value("mediaType", std::string());
    d.digest = j.value("digest", std::string());
    STRATA_TRY(check_digest(d.digest, what + ".digest"));
    d.size = j.value("size", int64_t{-1});
    if (d.size < 0) return error(what + ".size: missing or negative");
    if (j.contains("annotations") && j["annotations"].is_object())
        for (const auto& [k, v] : j["annotations"].items())
            if (v.is_string()) d.annotations[k] = v.get<std::string>();
    if (j.contains("platform") && j["platform"].is_object()) {
        const json& p = j["platform"];
        d.platform.os = p.value("os", std::string());
        d.platform.architecture = p.value("architecture", std::string());
        d.platform.variant = p.value("variant", std::string());
    }
    return d;
}

}  // namespace

json Descriptor::to_json() const {
    json j{{"mediaType", media_type}, {"digest", digest}, {"size", size}};
    if (!annotations.empty()) j["annotations"] = annotations;
    return j;
}

Result<Compression> layer_compression(std::string_view t) {
    // Docker's and OCI's names, including the "nondistributable" (foreign) variants, whose
    // content is an ordinary layer when it is present.
    if (t == media::oci_layer || t == "application/vnd.oci.image.layer.nondistributable.v1.tar" ||
        t == "application/vnd.docker.image.rootfs.diff.tar")
        return Compression::none;
    if (t == media::oci_layer_gzip || t == "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip" ||
        t == "application/vnd.docker.image.rootfs.diff.tar.gzip" ||
        t == "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip")
        return Compression::gzip;
    if (t == "application/vnd.oci.image.layer.v1.tar+zstd" ||
        t == "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd")
        return Compression::zstd;
    return error("unsupported layer media type " + quote(t));
}

std::string_view compression_name(Compression c) {
    switch (c) {
        case Compression::none: return "none";
        case Compression::gzip: return "gzip";
        case Compression::zstd: return "zstd";
    }
    return "?";
}

bool is_index_type(std::string_view t) { return t == media::oci_index || t == media::docker_list; }
bool is_manifest_type(std::string_view t) {
    return t == media::oci_manifest || t == media::docker_manifest;
}

std::string document_type(const json& doc, std::string_view content_type) {
    if (doc.is_object() && doc.contains("mediaType") && doc["mediaType"].is_string())
        return doc["mediaType"].get<std::string>();
    if (content_type.size()) {
        std::string_view ct = content_type.substr(0, content_type.find(';'));
        if (is_index_type(ct) || is_manifest_type(ct)) return std::string(ct);
    }
    if (doc.is_object() && doc.contains("manifests")) return std::string(media::oci_index);
    if (doc.is_object() && doc.contains("layers")) return std::string(media::oci_manifest);
    return "";
}

Result<json> parse_json(std::string_view text, const std::string& what) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return error(what + ": not a JSON object");
    return j;
}

Result<Manifest> parse_manifest(std::string_view text, const std::string& what) {
    json j = STRATA_TRY(parse_json(text, what));
    try {
        if (j.value("schemaVersion", 0) != 2)
            return error(what + ": unsupported schemaVersion (need 2; schema 1 manifests are not supported)");
        Manifest m;
        m.media_type = document_type(j);
        if (!is_manifest_type(m.media_type)) return error(what + ": not an image manifest (" + quote(m.media_type) + ")");
        m.config = STRATA_TRY(descriptor(j.at("config"), what + ": .config"));
        const json& layers = j.at("layers");
        if (!layers.is_array()) return error(what + ": .layers: not an array");
        for (size_t i = 0; i < layers.size(); ++i)
            m.layers.push_back(STRATA_TRY(descriptor(layers[i], what + ": .layers[" + std::to_string(i) + "]")));
        return m;
    } catch (const json::exception& e) {
        return error(what + ": " + e.what());
    }
}

Result<OciIndex> parse_oci_index(std::string_view text, const std::string& what) {
    json j = STRATA_TRY(parse_json(text, what));
    try {
        OciIndex idx;
        idx.media_type = document_type(j);
        const json& ms = j.at("manifests");
        if (!ms.is_array()) return error(what + ": .manifests: not an array");
        for (size_t i = 0; i < ms.size(); ++i)
            idx.manifests.push_back(STRATA_TRY(descriptor(ms[i], what + ": .manifests[" + std::to_string(i) + "]")));
        return idx;
    } catch (const json::exception& e) {
        return error(what + ": " + e.what());
    }
}

Result<Descriptor> select_platform(const OciIndex& index, std::string_view os, std::string_view arch,
                                   const std::string& what) {
    std::vector<std::string> seen;
    for (const auto& d : index.manifests) {
        if (d.platform.os == os && d.platform.architecture == arch) return d;
        if (!d.platform.os.empty()) seen.push_back(d.platform.os + "/" + d.platform.architecture);
    }
    return error(what + ": no image for " + std::string(os) + "/" + std::string(arch) +
                 (seen.empty() ? "" : " (has " + join(seen, ", ") + ")"));
}

Result<ImageConfig> parse_image_config(std::string_view text, const std::string& what) {
    json j = STRATA_TRY(parse_json(text, what));
    try {
        ImageConfig c;
        c.os = j.value("os", std::string());
        c.architecture = j.value("architecture", std::string());
        c.created = j.value("created", std::string());
        if (j.contains("config") && j["config"].is_object()) c.config = j["config"];
        else c.config = json::object();
        const json& rootfs = j.at("rootfs");
        if (rootfs.value("type", std::string()) != "layers") return error(what + ": .rootfs.type: must be \"layers\"");
        const json& ids = rootfs.at("diff_ids");
        if (!ids.is_array()) return error(what + ": .rootfs.diff_ids: not an array");
        for (size_t i = 0; i < ids.size(); ++i) {
            std::string d = ids[i].get<std::string>();
            STRATA_TRY(check_digest(d, what + ": .rootfs.diff_ids[" + std::to_string(i) + "]"));
            c.diff_ids.push_back(std::move(d));
        }
        return c;
    } catch (const json::exception& e) {
        return error(what + ": " + e.what());
    }
}

Result<std::vector<DockerArchiveImage>> parse_docker_archive_manifest(std::string_view text) {
    const std::string what = "manifest.json";
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_array()) return error(what + ": not a JSON array");
    std::vector<DockerArchiveImage> out;
    try {
        for (const auto& e : j) {
            DockerArchiveImage img;
            img.config = e.at("Config").get<std::string>();
            if (e.contains("RepoTags") && e["RepoTags"].is_array())
                img.repo_tags = e["RepoTags"].get<std::vector<std::string>>();
            img.layers = e.at("Layers").get<std::vector<std::string>>();
            out.push_back(std::move(img));
        }
    } catch (const json::exception& e) {
        return error(what + ": " + e.what());
    }
    if (out.empty()) return error(what + ": no images");
    return out;
}

}  // namespace strata::image
