//! The API's OpenAPI document: the hand-written routes (from their `#[utoipa::path]`
//! attributes), the CRUD routes, the bearer scheme, and `X-Account-Id` on every tenant route.

use utoipa::OpenApi;
use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{RefOr, Required};

use super::dto::{Assignment, Credentials, NewAccount, TokenOut, UserOut};
use super::handlers;
use crate::entities::{accounts, countries, managers};

/// The routes under these prefixes run for one account.
const TENANT_PATHS: [&str; 3] = ["/api/managers", "/api/projects", "/api/tasks"];

/// The whole document, given the CRUD routers' (`crud`).
pub(super) fn document(crud: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(crud);
    doc.components
        .get_or_insert_with(Default::default)
        .add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    let account = ParameterBuilder::new()
        .name("X-Account-Id")
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(
            "The account (tenant) to act for; it must be the caller's. Default: the caller's first account.",
        ))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64))),
        ))
        .build();
    for (path, item) in doc.paths.paths.iter_mut() {
        if TENANT_PATHS.iter().any(|p| path.starts_with(p)) {
            item.parameters
                .get_or_insert_with(Vec::new)
                .push(RefOr::T(account.clone()));
        }
    }
    doc
}

#[derive(OpenApi)]
#[openapi(
    security(("bearer" = [])),
    paths(
        handlers::create_user,
        handlers::create_token,
        handlers::list_accounts,
        handlers::create_account,
        handlers::list_countries,
        handlers::list_project_managers,
        handlers::assign_manager,
        handlers::unassign_manager,
        super::summary::summary,
        handlers::healthz
    ),
    components(schemas(
        Credentials,
        UserOut,
        TokenOut,
        NewAccount,
        accounts::Model,
        countries::Model,
        Assignment,
        managers::Model,
        super::summary::Summary
    ))
)]
struct ApiDoc;
