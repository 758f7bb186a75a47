"""What DescribeServices, DescribeSeverityLevels and the language operations answer.

Service and category codes are real AWS Support codes; each category name is the one AWS shows.
"""

from __future__ import annotations

CATEGORY_NAMES: dict[str, str] = {
    "general-guidance": "General Guidance",
    "using-aws": "Using AWS & Services",
    "other": "Other",
    "performance": "Performance",
    "connectivity": "Connectivity",
    "security": "Security",
    "apis": "APIs",
    "configuration": "Configuration",
    "instance-issue": "Instance Issue",
    "data-loss": "Data Loss",
    "scaling": "Scaling",
    "deployment-issue": "Deployment Issue",
    "database-issue": "Database Issue",
    "access-issue": "Access Issue",
    "billing": "Billing",
    "account-structure": "Account Structure",
    "service-limit-increase": "Service Limit Increase",
}

_TECHNICAL = ("general-guidance", "other", "performance", "connectivity", "security", "apis", "configuration")

_SERVICES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("general-info", "General Info and Getting Started", ("using-aws", "general-guidance", "other")),
    (
        "amazon-elastic-compute-cloud-linux",
        "Elastic Compute Cloud (EC2 - Linux)",
        (*_TECHNICAL, "instance-issue", "data-loss"),
    ),
    (
        "amazon-elastic-compute-cloud-windows",
        "Elastic Compute Cloud (EC2 - Windows)",
        (*_TECHNICAL, "instance-issue", "data-loss"),
    ),
    ("amazon-elastic-block-store", "Elastic Block Store (EBS)", (*_TECHNICAL, "data-loss")),
    ("amazon-simple-storage-service", "Simple Storage Service (S3)", (*_TECHNICAL, "data-loss")),
    ("amazon-elastic-file-system", "Elastic File System (EFS)", (*_TECHNICAL, "data-loss")),
    ("amazon-dynamodb", "DynamoDB", (*_TECHNICAL, "scaling")),
    (
        "amazon-relational-database-service-mysql",
        "Relational Database Service (MySQL)",
        (*_TECHNICAL, "database-issue"),
    ),
    (
        "amazon-relational-database-service-postgresql",
        "Relational Database Service (PostgreSQL)",
        (*_TECHNICAL, "database-issue"),
    ),
    (
        "amazon-relational-database-service-aurora",
        "Relational Database Service (Aurora)",
        (*_TECHNICAL, "database-issue"),
    ),
    ("amazon-elasticache", "ElastiCache", _TECHNICAL),
    ("amazon-redshift", "Redshift", _TECHNICAL),
    ("amazon-virtual-private-cloud", "Virtual Private Cloud (VPC)", _TECHNICAL),
    ("elastic-load-balancing", "Elastic Load Balancing (ELB)", _TECHNICAL),
    ("amazon-route53", "Route 53", _TECHNICAL),
    ("amazon-cloudfront", "CloudFront", _TECHNICAL),
    ("aws-direct-connect", "Direct Connect", _TECHNICAL),
    ("aws-lambda", "Lambda", (*_TECHNICAL, "deployment-issue")),
    ("amazon-api-gateway", "API Gateway", (*_TECHNICAL, "deployment-issue")),
    (
        "amazon-elastic-container-service",
        "Elastic Container Service (ECS)",
        (*_TECHNICAL, "deployment-issue"),
    ),
    (
        "amazon-elastic-kubernetes-service",
        "Elastic Kubernetes Service (EKS)",
        (*_TECHNICAL, "deployment-issue"),
    ),
    ("amazon-simple-queue-service", "Simple Queue Service (SQS)", _TECHNICAL),
    ("amazon-simple-notification-service", "Simple Notification Service (SNS)", _TECHNICAL),
    ("amazon-kinesis", "Kinesis", (*_TECHNICAL, "scaling")),
    ("aws-step-functions", "Step Functions", _TECHNICAL),
    ("amazon-athena", "Athena", _TECHNICAL),
    ("aws-glue", "Glue", _TECHNICAL),
    ("amazon-sagemaker", "SageMaker", (*_TECHNICAL, "deployment-issue")),
    ("amazon-cloudwatch", "CloudWatch", _TECHNICAL),
    ("aws-cloudformation", "CloudFormation", (*_TECHNICAL, "deployment-issue")),
    ("aws-cloudtrail", "CloudTrail", _TECHNICAL),
    ("aws-systems-manager", "Systems Manager", _TECHNICAL),
    (
        "aws-identity-and-access-management",
        "Identity and Access Management (IAM)",
        ("general-guidance", "access-issue", "security", "apis", "other"),
    ),
    (
        "aws-key-management-service",
        "Key Management Service (KMS)",
        ("general-guidance", "security", "apis", "other"),
    ),
    ("amazon-cognito", "Cognito", ("general-guidance", "security", "configuration", "other")),
    ("aws-organizations", "Organizations", ("general-guidance", "account-structure", "other")),
    ("service-limit-increase", "Service Limit Increase", ("service-limit-increase",)),
    ("customer-account", "Account", ("account-structure", "security", "other")),
    ("billing", "Billing", ("billing", "other")),
)

SERVICES: dict[str, dict[str, object]] = {
    code: {
        "code": code,
        "name": name,
        "categories": [{"code": category, "name": CATEGORY_NAMES[category]} for category in categories],
    }
    for code, name, categories in _SERVICES
}

SEVERITY_LEVELS: tuple[dict[str, str], ...] = (
    {"code": "low", "name": "Low"},
    {"code": "normal", "name": "Normal"},
    {"code": "high", "name": "High"},
    {"code": "urgent", "name": "Urgent"},
    {"code": "critical", "name": "Critical"},
)
SEVERITY_CODES = frozenset(level["code"] for level in SEVERITY_LEVELS)

LANGUAGES: tuple[dict[str, str], ...] = (
    {"code": "en", "language": "English", "display": "English"},
    {"code": "ja", "language": "Japanese", "display": "日本語"},
    {"code": "ko", "language": "Korean", "display": "한국어"},
    {"code": "zh", "language": "Chinese", "display": "中文(简体)"},
)
LANGUAGE_CODES = frozenset(language["code"] for language in LANGUAGES)

ISSUE_TYPES = frozenset({"technical", "customer-service"})

CASE_STATUSES = frozenset(
    {"opened", "pending-customer-action", "reopened", "resolved", "unassigned", "work-in-progress"}
)


SERVICE_CATEGORIES: dict[str, tuple[str, ...]] = {code: categories for code, _, categories in _SERVICES}
