//! Integration tests of gates-testkit: one binary (one link, one build directory entry), one
//! module per concern.

mod k8s_kube;
mod k8s_kubectl;
mod k8s_workloads;
mod repo;
