//! The service's error shape on the wire (restJson1): the error name in `X-Amzn-ErrorType`,
//! the modelled HTTP status, and a JSON body `{"Message": "..."}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Every error the simulator sends; the variant picks the modelled status and error name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    Validation(String),
    /// A request body over the size limit: still a `ValidationException` for clients, but 413
    /// so that plain HTTP tools see what happened. The same holds for the next two.
    PayloadTooLarge(String),
    /// A request line over the limit (414).
    UriTooLong(String),
    /// A header section over the limit (431).
    HeadersTooLarge(String),
    /// A client too slow to send its headers or body (408).
    RequestTimeout(String),
    AccessDenied(String),
    NotFound {
        message: String,
        resource_id: String,
        resource_type: &'static str,
    },
    Conflict(String),
    Throttling(String),
    InternalServer(String),
    ServiceUnavailable(String),
    /// No operation at this method and path.
    UnknownOperation(String),
}

impl ApiError {
    pub fn validation(message: impl Into<String>) -> Self {
        Self::Validation(message.into())
    }

    pub fn not_found(resource_type: &'static str, resource_id: &str) -> Self {
        Self::NotFound {
            message: format!("{resource_type} {resource_id} does not exist"),
            resource_id: resource_id.to_owned(),
            resource_type,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Validation(_) => StatusCode::BAD_REQUEST,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            Self::HeadersTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::AccessDenied(_) => StatusCode::FORBIDDEN,
            Self::NotFound { .. } | Self::UnknownOperation(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Throttling(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::InternalServer(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::ServiceUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    pub fn error_type(&self) -> &'static str {
        match self {
            Self::Validation(_)
            | Self::PayloadTooLarge(_)
            | Self::UriTooLong(_)
            | Self::HeadersTooLarge(_) => "ValidationException",
            Self::RequestTimeout(_) => "RequestTimeoutException",
            Self::AccessDenied(_) => "AccessDeniedException",
            Self::NotFound { .. } => "ResourceNotFoundException",
            Self::Conflict(_) => "ConflictException",
            Self::Throttling(_) => "ThrottlingException",
            Self::InternalServer(_) => "InternalServerException",
            Self::ServiceUnavailable(_) => "ServiceUnavailableException",
            Self::UnknownOperation(_) => "UnknownOperationException",
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Self::Validation(m)
            | Self::PayloadTooLarge(m)
            | Self::UriTooLong(m)
            | Self::HeadersTooLarge(m)
            | Self::RequestTimeout(m)
            | Self::AccessDenied(m)
            | Self::Conflict(m)
            | Self::Throttling(m)
            | Self::InternalServer(m)
            | Self::ServiceUnavailable(m)
            | Self::UnknownOperation(m) => m,
            Self::NotFound { message, .. } => message,
        }
    }

    pub fn body(&self) -> serde_json::Value {
        let mut body = serde_json::json!({ "Message": self.message() });
        if let Self::NotFound {
            resource_id,
            resource_type,
            ..
        } = self
        {
            body["ResourceId"] = resource_id.as_str().into();
            body["ResourceType"] = (*resource_type).into();
        }
        body
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error_type(), self.message())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), self.body().to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(
            "x-amzn-errortype",
            HeaderValue::from_static(self.error_type()),
        );
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_body_names_the_resource() {
        let err = ApiError::not_found("AccountAssociation", "abc");
        assert_eq!(err.status(), StatusCode::NOT_FOUND);
        assert_eq!(err.body()["ResourceId"], "abc");
        assert_eq!(err.body()["ResourceType"], "AccountAssociation");
        assert_eq!(
            err.body()["Message"],
            "AccountAssociation abc does not exist"
        );
    }

    #[test]
    fn response_carries_the_error_type_header() {
        let response = ApiError::Throttling("slow down".into()).into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            response.headers()["x-amzn-errortype"],
            "ThrottlingException"
        );
        assert_eq!(response.headers()["content-type"], "application/json");
    }
}
