//! The API's OpenAPI document: the hand-written routes (from their `#[utoipa::path]`
//! attributes), the CRUD routes, the bearer scheme, `X-Account-Id` on every tenant route, and
//! the refusals every route can give besides its own (401 without a valid token, 400/403 for a
//! bad or foreign account, 408 past the request timeout, 413/415/422 for a body), each with
//! the [`ApiError`] schema.

use utoipa::OpenApi;
use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{RefOr, Required};

use multitenant_axum::ApiError;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};

use super::dto::{Assignment, Credentials, NewAccount, PasswordChange, TokenOut, UserOut};
use super::{handlers, session};
use crate::entities::{accounts, countries, managers};

/// The routes under these prefixes run for one account.
const TENANT_PATHS: [&str; 4] = [
    "/api/managers",
    "/api/projects",
    "/api/tasks",
    "/api/summary",
];

/// The routes a client calls without a token.
const PUBLIC_PATHS: [&str; 4] = ["/api/users", "/api/token", "/healthz", "/api/openapi.json"];

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
        let tenant = TENANT_PATHS.iter().any(|p| path.starts_with(p));
        if tenant {
            item.parameters
                .get_or_insert_with(Vec::new)
                .push(RefOr::T(account.clone()));
        }
        let public = PUBLIC_PATHS.contains(&path.as_str());
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for op in operations.into_iter().flatten() {
            add_refusals(op, tenant, public);
        }
    }
    doc.components
        .get_or_insert_with(Default::default)
        .schemas
        .insert(
            <ApiError as utoipa::ToSchema>::name().into_owned(),
            <ApiError as utoipa::PartialSchema>::schema(),
        );
    doc
}

/// Adds to `op` the refusals the app's layers give, and the [`ApiError`] body to every error
/// response that has none.
fn add_refusals(op: &mut Operation, tenant: bool, public: bool) {
    let has_body = op.request_body.is_some();
    let mut wanted = vec![("408", "the request took longer than the server's limit")];
    if !public {
        wanted.push(("401", "no valid bearer token (`WWW-Authenticate` says why)"));
    }
    if tenant {
        wanted.push(("400", "a bad `X-Account-Id`, query parameter or path id"));
        wanted.push((
            "403",
            "the account is not the caller's, or the caller has none",
        ));
    }
    if has_body {
        wanted.push(("413", "the body is over the size limit"));
        wanted.push(("415", "the body is not `application/json`"));
        wanted.push((
            "422",
            "a field is unknown, missing, of the wrong type or refused (`fields` names it)",
        ));
    }
    let responses = &mut op.responses.responses;
    for (status, what) in wanted {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::T(ResponseBuilder::new().description(what).build()));
    }
    for (status, response) in responses.iter_mut() {
        if let RefOr::T(response) = response
            && !status.starts_with('2')
            && response.content.is_empty()
        {
            response.content.insert(
                "application/json".to_owned(),
                RefOr::T(
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ApiError")))
                        .build(),
                ),
            );
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    security(("bearer" = [])),
    paths(
        handlers::create_user,
        handlers::create_token,
        session::logout,
        session::change_password,
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
        PasswordChange,
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
