//! The API server names a rejected field by its path (`spec.template.spec.containers[0].image`,
//! `metadata.labels[app.kubernetes.io/name]`) in a 422's `details.causes[].field`; as a JSON
//! pointer it finds the manifest line through the span map.

/// `field` (the server's path) as a JSON pointer, or `None` when it is not a path.
pub fn to_pointer(field: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = field.trim().trim_start_matches('.');
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('[') {
            // `[0]` or `[key.with.dots]`: everything up to the matching `]`.
            let end = r.find(']')?;
            push(&mut out, &r[..end]);
            rest = &r[end + 1..];
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            if end == 0 {
                return None;
            }
            push(&mut out, &rest[..end]);
            rest = &rest[end..];
        }
        rest = rest.strip_prefix('.').unwrap_or(rest);
    }
    Some(out)
}

fn push(out: &mut String, segment: &str) {
    out.push('/');
    out.push_str(&segment.replace('~', "~0").replace('/', "~1"));
}

#[cfg(test)]
mod tests {
    use super::to_pointer;

    #[test]
    fn server_field_paths_become_pointers() {
        assert_eq!(
            to_pointer("spec.template.spec.containers[0].image").unwrap(),
            "/spec/template/spec/containers/0/image"
        );
        assert_eq!(
            to_pointer("metadata.labels[app.kubernetes.io/name]").unwrap(),
            "/metadata/labels/app.kubernetes.io~1name"
        );
        assert_eq!(to_pointer(".spec.replicas").unwrap(), "/spec/replicas");
        assert_eq!(to_pointer("spec.ports[0]").unwrap(), "/spec/ports/0");
        assert_eq!(to_pointer(""), None);
        assert_eq!(to_pointer("spec.x[0"), None);
    }
}
