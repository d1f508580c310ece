//! Attribute paths: where in a configuration a diagnostic points.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Attribute(String),
    Key(String),
    Index(i64),
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Path(Vec<Step>);

impl Path {
    pub fn root() -> Path {
        Path(Vec::new())
    }

    pub fn attr(name: &str) -> Path {
        Path(vec![Step::Attribute(name.to_string())])
    }

    pub fn steps(&self) -> &[Step] {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub fn with_attr(&self, name: &str) -> Path {
        let mut p = self.clone();
        p.push_attr(name);
        p
    }

    pub fn with_index(&self, i: i64) -> Path {
        let mut p = self.clone();
        p.push_index(i);
        p
    }

    pub fn push_attr(&mut self, name: &str) {
        self.0.push(Step::Attribute(name.to_string()));
    }

    pub fn push_key(&mut self, key: &str) {
        self.0.push(Step::Key(key.to_string()));
    }

    pub fn push_index(&mut self, i: i64) {
        self.0.push(Step::Index(i));
    }

    pub fn pop(&mut self) {
        self.0.pop();
    }

    pub fn from_steps(steps: Vec<Step>) -> Path {
        Path(steps)
    }
}

/// HCL-like rendering, e.g. `kubernetes.namespace` or `languages[1]`.
impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Attribute(name) if i == 0 => write!(f, "{name}")?,
                Step::Attribute(name) => write!(f, ".{name}")?,
                Step::Key(k) => write!(f, "[{k:?}]")?,
                Step::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_like_hcl() {
        let p = Path::attr("kubernetes").with_attr("namespace");
        assert_eq!(p.to_string(), "kubernetes.namespace");
        let mut q = Path::attr("languages").with_index(1);
        q.push_key("x");
        assert_eq!(q.to_string(), "languages[1][\"x\"]");
    }
}
