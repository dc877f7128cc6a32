//! `--image NAME=REF`: every container whose image is repository NAME (with a tag, a digest or
//! neither) gets REF, in containers, initContainers and ephemeralContainers of every kind that
//! has pods (Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, Pods, Argo Rollouts...).
//! Repositories compare as Docker normalises them (`nginx` is `docker.io/library/nginx`), so the
//! registry may change too. An entry that matches nothing is an error: a deploy that silently
//! keeps the old image is the failure users report most about image substitution.

use serde_json::Value;

use crate::manifest::Manifest;
use crate::workload;

/// An image reference split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// The registry host (`docker.io` when the reference names none).
    pub registry: &'a str,
    /// The repository path (`library/nginx` for Docker Hub's official images).
    pub path: String,
    /// `:tag`, if any.
    pub tag: Option<&'a str>,
    /// `@sha256:...`, if any.
    pub digest: Option<&'a str>,
}

impl<'a> ImageRef<'a> {
    /// Split `image` (`ghcr.io/org/app:1.2@sha256:...`).
    pub fn parse(image: &'a str) -> ImageRef<'a> {
        let (rest, digest) = match image.split_once('@') {
            Some((r, d)) => (r, Some(d)),
            None => (image, None),
        };
        // A tag is after the last `:` of the last path component (a `:` before a `/` is a
        // registry port).
        let slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[slash..].rfind(':') {
            Some(i) => (&rest[..slash + i], Some(&rest[slash + i + 1..])),
            None => (rest, None),
        };
        let (registry, path) = match name.split_once('/') {
            Some((first, p)) if first.contains(['.', ':']) || first == "localhost" => (first, p),
            _ => ("docker.io", name),
        };
        let registry = if registry == "index.docker.io" {
            "docker.io"
        } else {
            registry
        };
        let path = if registry == "docker.io" && !path.contains('/') {
            format!("library/{path}")
        } else {
            path.to_string()
        };
        ImageRef {
            registry,
            path,
            tag,
            digest,
        }
    }

    /// `registry/path`, the repository two references share when they are the same image.
    pub fn repository(&self) -> String {
        format!("{}/{}", self.registry, self.path)
    }
}

/// One `--image` entry.
#[derive(Debug, Clone)]
pub struct Substitution {
    /// NAME as given.
    pub name: String,
    /// NAME normalised.
    repository: String,
    /// REF.
    pub target: String,
    /// Whether REF names a tag or digest (else the manifest's is kept).
    pinned: bool,
}

impl Substitution {
    /// Parse `NAME=REF`.
    pub fn parse(entry: &str) -> Result<Substitution, String> {
        let Some((name, target)) = entry.split_once('=') else {
            return Err(format!(
                "--image {entry:?} has no `=`: write --image REPOSITORY=IMAGE, e.g. --image org/app=ghcr.io/org/app:1.2"
            ));
        };
        let n = ImageRef::parse(name.trim());
        if name.trim().is_empty() || n.tag.is_some() || n.digest.is_some() {
            return Err(format!(
                "--image {entry:?}: the left side names a repository, without tag or digest (org/app=ghcr.io/org/app:1.2)"
            ));
        }
        let t = ImageRef::parse(target.trim());
        if target.trim().is_empty() || target.contains(char::is_whitespace) {
            return Err(format!(
                "--image {entry:?}: the right side must be an image reference"
            ));
        }
        Ok(Substitution {
            name: name.trim().to_string(),
            repository: n.repository(),
            target: target.trim().to_string(),
            pinned: t.tag.is_some() || t.digest.is_some(),
        })
    }

    /// The image to use instead of `image`, when this entry is about its repository.
    fn replace(&self, image: &str) -> Option<String> {
        let r = ImageRef::parse(image);
        if r.repository() != self.repository {
            return None;
        }
        Some(if self.pinned {
            self.target.clone()
        } else {
            let mut s = self.target.clone();
            if let Some(t) = r.tag {
                s.push(':');
                s.push_str(t);
            }
            if let Some(d) = r.digest {
                s.push('@');
                s.push_str(d);
            }
            s
        })
    }
}

/// One image changed: where, from what, to what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Index of the manifest.
    pub manifest: usize,
    /// Pointer of the container's `image`.
    pub pointer: String,
    /// The image before.
    pub from: String,
    /// The image after.
    pub to: String,
}

/// Every container of `m`: the pointer of each container mapping and the mapping.
pub fn containers(m: &Manifest) -> Vec<(String, &serde_json::Map<String, Value>)> {
    let Some(template) = workload::pod_template(m.api_version(), m.kind()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for list in workload::CONTAINER_LISTS {
        let at = format!("{template}/spec/{list}");
        if let Some(items) = m.value.pointer(&at).and_then(Value::as_array) {
            for (i, c) in items.iter().enumerate() {
                if let Some(c) = c.as_object() {
                    out.push((format!("{at}/{i}"), c));
                }
            }
        }
    }
    out
}

/// Apply `subs` to every container image of `manifests`. Every entry must match at least one
/// image; the error lists the images the manifests have.
pub fn substitute(
    manifests: &mut [Manifest],
    subs: &[Substitution],
) -> Result<Vec<Change>, String> {
    let mut changes = Vec::new();
    let mut matched = vec![false; subs.len()];
    for (mi, m) in manifests.iter_mut().enumerate() {
        let spots: Vec<(String, String)> = containers(m)
            .into_iter()
            .filter_map(|(p, c)| {
                Some((format!("{p}/image"), c.get("image")?.as_str()?.to_string()))
            })
            .collect();
        for (pointer, image) in spots {
            let Some((si, to)) = subs
                .iter()
                .enumerate()
                .find_map(|(i, s)| Some((i, s.replace(&image)?)))
            else {
                continue;
            };
            matched[si] = true;
            if let Some(slot) = m.value.pointer_mut(&pointer) {
                *slot = Value::String(to.clone());
            }
            changes.push(Change {
                manifest: mi,
                pointer,
                from: image,
                to,
            });
        }
    }
    if let Some(i) = matched.iter().position(|m| !m) {
        let mut images: Vec<String> = manifests
            .iter()
            .flat_map(|m| {
                containers(m)
                    .into_iter()
                    .filter_map(|(_, c)| Some(c.get("image")?.as_str()?.to_string()))
                    .collect::<Vec<_>>()
            })
            .collect();
        images.sort();
        images.dedup();
        return Err(format!(
            "--image {}={} matched no container image in the manifests (their images: {}): check the repository name",
            subs[i].name,
            subs[i].target,
            if images.is_empty() { "none".to_string() } else { images.join(", ") }
        ));
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_split_and_normalise_as_docker_does() {
        let r = ImageRef::parse("nginx");
        assert_eq!(
            (r.repository().as_str(), r.tag, r.digest),
            ("docker.io/library/nginx", None, None)
        );
        let r = ImageRef::parse("localhost:5000/app:1.2@sha256:abc");
        assert_eq!(r.registry, "localhost:5000");
        assert_eq!(r.path, "app");
        assert_eq!(r.tag, Some("1.2"));
        assert_eq!(r.digest, Some("sha256:abc"));
        let r = ImageRef::parse("medical-kg-rev/gateway:latest");
        assert_eq!(r.repository(), "docker.io/medical-kg-rev/gateway");
        assert_eq!(
            ImageRef::parse("index.docker.io/library/nginx:1").repository(),
            "docker.io/library/nginx"
        );
        assert_eq!(ImageRef::parse("ghcr.io/org/app").tag, None);
    }

    #[test]
    fn a_substitution_replaces_by_repository_whatever_the_tag() {
        let s = Substitution::parse("medical-kg-rev/gateway=ghcr.io/org/gateway:abc").unwrap();
        assert_eq!(
            s.replace("medical-kg-rev/gateway").unwrap(),
            "ghcr.io/org/gateway:abc"
        );
        assert_eq!(
            s.replace("docker.io/medical-kg-rev/gateway:latest")
                .unwrap(),
            "ghcr.io/org/gateway:abc"
        );
        assert_eq!(
            s.replace("medical-kg-rev/gateway@sha256:1").unwrap(),
            "ghcr.io/org/gateway:abc"
        );
        assert_eq!(s.replace("medical-kg-rev/gateway-worker:1"), None);
        // An unpinned target keeps the manifest's tag: only the registry moves.
        let s = Substitution::parse("nginx=mirror.example/nginx").unwrap();
        assert_eq!(
            s.replace("nginx:1.27").unwrap(),
            "mirror.example/nginx:1.27"
        );
        assert!(Substitution::parse("nginx:1=x").is_err());
        assert!(Substitution::parse("nginx").is_err());
    }
}
