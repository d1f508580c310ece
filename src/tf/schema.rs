//! Ordered schemas: attributes and blocks keep the order they were declared in, so the schema
//! Terraform sees and the docs we generate are stable.

use super::types::Type;

#[derive(Clone, Debug, PartialEq)]
pub struct Schema {
    pub version: i64,
    pub block: Block,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Block {
    pub description: String,
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub ty: Type,
    pub description: String,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub sensitive: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    Single,
    List,
    /// Labelled blocks (`secret "db" {}`): a map from label to block. Terraform enforces no
    /// item counts for it; the provider does, with its own diagnostics.
    Map,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NestedBlock {
    pub type_name: String,
    pub nesting: Nesting,
    pub block: Block,
}

impl Attribute {
    pub fn required(name: &str, ty: Type, description: impl Into<String>) -> Attribute {
        Attribute::new(name, ty, description, true, false, false)
    }

    pub fn optional(name: &str, ty: Type, description: impl Into<String>) -> Attribute {
        Attribute::new(name, ty, description, false, true, false)
    }

    pub fn computed(name: &str, ty: Type, description: impl Into<String>) -> Attribute {
        Attribute::new(name, ty, description, false, false, true)
    }

    fn new(name: &str, ty: Type, description: impl Into<String>, required: bool, optional: bool, computed: bool) -> Attribute {
        Attribute {
            name: name.to_string(),
            ty,
            description: description.into(),
            required,
            optional,
            computed,
            sensitive: false,
        }
    }
}

impl Block {
    /// The object type of a configuration or state conforming to this block.
    pub fn implied_type(&self) -> Type {
        let attrs = self.attributes.iter().map(|a| (a.name.clone(), a.ty.clone()));
        let blocks = self.blocks.iter().map(|b| {
            let inner = b.block.implied_type();
            let ty = match b.nesting {
                Nesting::Single => inner,
                Nesting::List => Type::list(inner),
                Nesting::Map => Type::map(inner),
            };
            (b.type_name.clone(), ty)
        });
        Type::object(attrs.chain(blocks))
    }

    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    pub fn block(&self, name: &str) -> Option<&NestedBlock> {
        self.blocks.iter().find(|b| b.type_name == name)
    }
}
