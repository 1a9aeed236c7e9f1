//! A set of CRUD routers with the OpenAPI 3 document that describes them.

use std::borrow::Cow;

use axum::Router;
use axum::extract::FromRef;
use multitenant_sea_orm::TenantDatabase;
use sea_orm::sea_query::ColumnType;
use sea_orm::{ColumnTrait, IdenStatic, Iterable};
use utoipa::openapi::path::{
    HttpMethod, Operation, OperationBuilder, ParameterBuilder, ParameterIn, PathItemBuilder,
};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder, Ref,
    RefOr, Required, ResponseBuilder,
};

use crate::{ApiError, Crud, CrudEntity};

/// Several [`Crud`] routers mounted under their paths, with their OpenAPI document.
///
/// ```no_run
/// # mod projects {
/// #     use sea_orm::entity::prelude::*;
/// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
/// #     #[sea_orm(table_name = "projects")]
/// #     pub struct Model {
/// #         #[sea_orm(primary_key, auto_increment = false)]
/// #         pub account_id: i64,
/// #         #[sea_orm(primary_key)]
/// #         pub id: i64,
/// #         pub name: String,
/// #     }
/// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// #     pub enum Relation {}
/// #     impl ActiveModelBehavior for ActiveModel {}
/// #     impl multitenant_sea_orm::TenantEntity for Entity {
/// #         fn tenant_column() -> Column { Column::AccountId }
/// #     }
/// # }
/// use multitenant_axum::{Crud, CrudApi};
/// use multitenant_sea_orm::TenantDatabase;
///
/// let api = CrudApi::<TenantDatabase>::new("Projects", "1.0").entity("/api/projects", Crud::<projects::Entity>::new());
/// let doc = api.openapi().to_json().unwrap();
/// assert!(doc.contains("/api/projects/{id}"));
/// let router: axum::Router<TenantDatabase> = api.router();
/// ```
pub struct CrudApi<S> {
    router: Router<S>,
    doc: OpenApi,
}

impl<S> CrudApi<S>
where
    S: Clone + Send + Sync + 'static,
    TenantDatabase: FromRef<S>,
{
    /// An empty set, documented under `title` and `version`.
    ///
    /// ```
    /// let api = multitenant_axum::CrudApi::<multitenant_sea_orm::TenantDatabase>::new("API", "1");
    /// assert_eq!(api.openapi().info.title, "API");
    /// ```
    pub fn new(title: &str, version: &str) -> Self {
        CrudApi {
            router: Router::new(),
            doc: OpenApiBuilder::new()
                .info(InfoBuilder::new().title(title).version(version).build())
                .paths(PathsBuilder::new().build())
                .components(Some(ComponentsBuilder::new().build()))
                .build(),
        }
    }

    /// Mounts `crud` under `path` (e.g. `/api/projects`) and documents its routes.
    ///
    /// ```ignore
    /// let api = CrudApi::new("API", "1").entity("/api/tasks", Crud::<tasks::Entity>::new().read_only());
    /// ```
    pub fn entity<E: CrudEntity>(mut self, path: &str, crud: Crud<E>) -> Self {
        let read_only = crud.is_read_only();
        let name = E::default().table_name().to_owned();
        let id_name = crud.id_name().to_owned();
        self.router = self.router.nest(path, crud.router());
        let doc = entity_doc::<E>(path, &name, &id_name, read_only);
        self.doc.merge(doc);
        self
    }

    /// The router with every entity mounted.
    ///
    /// ```
    /// let api = multitenant_axum::CrudApi::<multitenant_sea_orm::TenantDatabase>::new("API", "1");
    /// let router = api.router();
    /// # let _ = router;
    /// ```
    pub fn router(&self) -> Router<S> {
        self.router.clone()
    }

    /// The OpenAPI 3 document of the mounted routes.
    ///
    /// ```
    /// let api = multitenant_axum::CrudApi::<multitenant_sea_orm::TenantDatabase>::new("API", "1");
    /// assert!(api.openapi().to_json().unwrap().contains("\"openapi\""));
    /// ```
    pub fn openapi(&self) -> OpenApi {
        self.doc.clone()
    }
}

/// The name of [`ApiError`]'s schema in a document.
const ERROR_SCHEMA: &str = "ApiError";

impl utoipa::PartialSchema for ApiError {
    /// `{"error": {"code", "message", "fields"?}}`.
    fn schema() -> RefOr<Schema> {
        let text = |what: &str| {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .description(Some(what))
        };
        let inner = ObjectBuilder::new()
            .property("code", text("machine-readable, e.g. `conflict`"))
            .required("code")
            .property(
                "message",
                text("for people; never the database's own words"),
            )
            .required("message")
            .property(
                "fields",
                ArrayBuilder::new()
                    .items(text("a request field"))
                    .description(Some(
                        "the request fields the error is about, when it names some",
                    )),
            );
        ObjectBuilder::new()
            .property("error", inner)
            .required("error")
            .into()
    }
}

impl utoipa::ToSchema for ApiError {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed(ERROR_SCHEMA)
    }
}

fn json_schema_of(col_type: &ColumnType) -> ObjectBuilder {
    let (ty, format) = match col_type {
        ColumnType::BigInteger | ColumnType::BigUnsigned => {
            (Type::Integer, Some(KnownFormat::Int64))
        }
        ColumnType::Integer
        | ColumnType::Unsigned
        | ColumnType::SmallInteger
        | ColumnType::SmallUnsigned => (Type::Integer, Some(KnownFormat::Int32)),
        ColumnType::Boolean => (Type::Boolean, None),
        ColumnType::Uuid => (Type::String, Some(KnownFormat::Uuid)),
        ColumnType::Double | ColumnType::Float | ColumnType::Decimal(_) => {
            (Type::Number, Some(KnownFormat::Double))
        }
        ColumnType::Date => (Type::String, Some(KnownFormat::Date)),
        ColumnType::DateTime | ColumnType::Timestamp | ColumnType::TimestampWithTimeZone => {
            (Type::String, Some(KnownFormat::DateTime))
        }
        ColumnType::Json | ColumnType::JsonBinary => (Type::Object, None),
        _ => (Type::String, None),
    };
    ObjectBuilder::new()
        .schema_type(ty)
        .format(format.map(SchemaFormat::KnownFormat))
}

fn json_body(reference: &str) -> utoipa::openapi::Content {
    ContentBuilder::new()
        .schema(Some(Ref::from_schema_name(reference)))
        .build()
}

fn entity_doc<E: CrudEntity>(path: &str, name: &str, id_name: &str, read_only: bool) -> OpenApi {
    let tenant = E::tenant_column();
    let mut model = ObjectBuilder::new();
    for col in E::Column::iter() {
        let def = col.def();
        let mut prop = json_schema_of(def.get_column_type());
        if col.as_str() == tenant.as_str() {
            prop = prop.description(Some("The tenant: set by the server".to_owned()));
        }
        model = model.property(col.json_key(), prop);
        if !def.is_null() {
            model = model.required(col.json_key());
        }
    }
    // `Page<E::Model>` (`crate::Page`), written out because models need not be utoipa schemas.
    let page = ObjectBuilder::new()
        .property(
            "items",
            ArrayBuilder::new().items(Ref::from_schema_name(name)),
        )
        .required("items")
        .property(
            "total",
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .description(Some(
                    "How many rows match; at least this many when `total_exact` is false",
                )),
        )
        .required("total")
        .property(
            "total_exact",
            ObjectBuilder::new()
                .schema_type(Type::Boolean)
                .default(Some(true.into()))
                .description(Some(
                    "Sent only when false: counting stopped at the router's count limit and more rows match than `total`",
                )),
        );
    let page_name = format!("{name}_page");
    let error = |what: &str| {
        ResponseBuilder::new()
            .description(what)
            .content("application/json", json_body(ERROR_SCHEMA))
            .build()
    };
    // What every write can be refused with, besides its own.
    let refusals = |op: OperationBuilder| {
        op.response("400", error("malformed JSON or a bad path id"))
            .response("403", error("the body names another tenant"))
            .response("409", error("a unique key is taken (`fields` names it)"))
            .response("413", error("the body is over the router's limit"))
            .response("415", error("the body is not `application/json`"))
            .response(
                "422",
                error("a field is unknown, missing, of the wrong type or refused by a constraint (`fields` names it)"),
            )
    };
    let ok = |what: &str, schema: &str| {
        ResponseBuilder::new()
            .description(what)
            .content("application/json", json_body(schema))
            .build()
    };
    let id_param = || {
        ParameterBuilder::new()
            .name(id_name)
            .parameter_in(ParameterIn::Path)
            .required(Required::True)
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build()
    };
    let query = |n: &str, d: &str| {
        ParameterBuilder::new()
            .name(n)
            .parameter_in(ParameterIn::Query)
            .required(Required::False)
            .description(Some(d))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build()
    };
    let body = || {
        Some(
            RequestBodyBuilder::new()
                .content("application/json", json_body(name))
                .required(Some(Required::True))
                .build(),
        )
    };
    let op = |id: &str| -> OperationBuilder {
        OperationBuilder::new()
            .tag(name)
            .operation_id(Some(format!("{id}_{name}")))
    };
    let list: Operation = op("list")
        .parameter(query("limit", "page size (default 50)"))
        .parameter(query("offset", "rows to skip"))
        .parameter(query(
            "order",
            "column to order by; `-column` for descending",
        ))
        .description(Some("Other query parameters filter by column equality."))
        .response("200", ok("the tenant's rows", &page_name))
        .response("400", error("a bad limit, offset, order or filter (named)"))
        .build();
    let retrieve: Operation = op("get")
        .parameter(id_param())
        .response("200", ok("the row", name))
        .response("400", error("a bad path id"))
        .response("404", error("no such row in the tenant"))
        .build();
    let mut collection = PathItemBuilder::new().operation(HttpMethod::Get, list);
    let mut item = PathItemBuilder::new().operation(HttpMethod::Get, retrieve);
    if !read_only {
        collection = collection.operation(
            HttpMethod::Post,
            refusals(op("create"))
                .request_body(body())
                .response("201", ok("created", name))
                .build(),
        );
        item = item.operation(
            HttpMethod::Put,
            refusals(op("replace"))
                .parameter(id_param())
                .request_body(body())
                .response("200", ok("replaced", name))
                .response("404", error("no such row in the tenant"))
                .build(),
        );
        item = item.operation(
            HttpMethod::Patch,
            refusals(op("update"))
                .parameter(id_param())
                .request_body(body())
                .response("200", ok("updated", name))
                .response("404", error("no such row in the tenant"))
                .build(),
        );
        item = item.operation(
            HttpMethod::Delete,
            op("delete")
                .parameter(id_param())
                .response("204", ResponseBuilder::new().description("deleted").build())
                .response("400", error("a bad path id"))
                .response("404", error("no such row in the tenant"))
                .response("409", error("other rows still reference it"))
                .build(),
        );
    }
    let base = path.trim_end_matches('/');
    OpenApiBuilder::new()
        .paths(
            PathsBuilder::new()
                .path(base.to_owned(), collection.build())
                .path(format!("{base}/{{{id_name}}}"), item.build()),
        )
        .components(Some(
            ComponentsBuilder::new()
                .schema(name, model)
                .schema(page_name, page)
                .schema(ERROR_SCHEMA, <ApiError as utoipa::PartialSchema>::schema())
                .build(),
        ))
        .build()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;
    use utoipa::PartialSchema;

    use super::entity_doc;
    use crate::Page;
    use crate::crud::test_entity::tasks::Entity;

    fn schema_of(doc: &utoipa::openapi::OpenApi, name: &str) -> Value {
        let components = doc.components.as_ref().unwrap();
        serde_json::to_value(&components.schemas[name]).unwrap()
    }

    fn field_names(schema: &Value) -> Vec<String> {
        schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    }

    #[test]
    fn the_list_page_is_documented_as_the_page_type() {
        let doc = entity_doc::<Entity>("/api/tasks", "tasks", "id", false);
        let page = schema_of(&doc, "tasks_page");
        let derived = serde_json::to_value(<Page<String> as PartialSchema>::schema()).unwrap();
        assert_eq!(field_names(&page), field_names(&derived));
        assert_eq!(page["required"], derived["required"]);
        assert_eq!(
            page["properties"]["items"]["items"]["$ref"],
            "#/components/schemas/tasks"
        );
        // Sent only when false: documented, never required.
        assert_eq!(page["properties"]["total_exact"]["type"], "boolean");
        assert_eq!(page["properties"]["total_exact"]["default"], true);
        assert_eq!(page["required"], serde_json::json!(["items", "total"]));
    }

    #[test]
    fn every_column_is_documented_and_a_read_only_mount_has_no_writes() {
        let doc = entity_doc::<Entity>("/api/tasks/", "tasks", "id", true);
        let model = schema_of(&doc, "tasks");
        assert_eq!(
            field_names(&model),
            [
                "account_id",
                "done",
                "due",
                "external_id",
                "id",
                "name",
                "priority",
                "weight"
            ]
        );
        assert_eq!(model["properties"]["external_id"]["format"], "uuid");
        let paths = serde_json::to_value(&doc.paths).unwrap();
        assert!(paths["/api/tasks"]["get"].is_object());
        assert!(paths["/api/tasks"]["post"].is_null());
        assert!(paths["/api/tasks/{id}"]["delete"].is_null());
    }
}
