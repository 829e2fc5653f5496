//! [`DirectoryStore`]: workspaces, users and memberships.

use async_trait::async_trait;
use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::RunQueryDsl;
use oauth_apps_core::directory::{Membership, User, Workspace};
use oauth_apps_core::ids::{UserId, WorkspaceId};
use oauth_apps_core::permission::Role;
use oauth_apps_core::store::{DirectoryStore, StoreResult};

use crate::convert::{TextEnum, timestamp};
use crate::error::db_error;
use crate::pool::PostgresStore;
use crate::schema::{memberships, users, workspaces};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = workspaces, check_for_backend(diesel::pg::Pg))]
struct WorkspaceRow {
    id: String,
    name: String,
    created_at: i64,
}

impl WorkspaceRow {
    fn into_workspace(self) -> Workspace {
        Workspace {
            id: WorkspaceId::new(self.id),
            name: self.name,
            created_at: timestamp(self.created_at),
        }
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
struct UserRow {
    id: String,
    email: String,
    display_name: String,
    password_hash: Option<String>,
    created_at: i64,
}

impl UserRow {
    fn into_user(self) -> User {
        User {
            id: UserId::new(self.id),
            email: self.email,
            display_name: self.display_name,
            password_hash: self.password_hash,
            created_at: timestamp(self.created_at),
        }
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = memberships, check_for_backend(diesel::pg::Pg))]
struct MembershipRow {
    workspace_id: String,
    user_id: String,
    role: String,
}

impl MembershipRow {
    fn into_membership(self) -> StoreResult<Membership> {
        Ok(Membership {
            workspace_id: WorkspaceId::new(self.workspace_id),
            user_id: UserId::new(self.user_id),
            role: Role::from_column(&self.role)?,
        })
    }
}

#[async_trait]
impl DirectoryStore for PostgresStore {
    async fn insert_workspace(&self, workspace: &Workspace) -> StoreResult<()> {
        let row = WorkspaceRow {
            id: workspace.id.as_str().to_owned(),
            name: workspace.name.clone(),
            created_at: workspace.created_at.unix_seconds(),
        };
        let mut connection = self.connection().await?;
        diesel::insert_into(workspaces::table)
            .values(&row)
            .execute(&mut connection)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn find_workspace(&self, id: &WorkspaceId) -> StoreResult<Option<Workspace>> {
        let mut connection = self.connection().await?;
        let row = workspaces::table
            .find(id.as_str())
            .select(WorkspaceRow::as_select())
            .first(&mut connection)
            .await
            .optional()
            .map_err(db_error)?;
        Ok(row.map(WorkspaceRow::into_workspace))
    }

    async fn insert_user(&self, user: &User) -> StoreResult<()> {
        let row = UserRow {
            id: user.id.as_str().to_owned(),
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            password_hash: user.password_hash.clone(),
            created_at: user.created_at.unix_seconds(),
        };
        let mut connection = self.connection().await?;
        diesel::insert_into(users::table)
            .values(&row)
            .execute(&mut connection)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn find_user(&self, id: &UserId) -> StoreResult<Option<User>> {
        let mut connection = self.connection().await?;
        let row = users::table
            .find(id.as_str())
            .select(UserRow::as_select())
            .first(&mut connection)
            .await
            .optional()
            .map_err(db_error)?;
        Ok(row.map(UserRow::into_user))
    }

    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        let mut connection = self.connection().await?;
        let row = users::table
            .filter(users::email.eq(email))
            .select(UserRow::as_select())
            .first(&mut connection)
            .await
            .optional()
            .map_err(db_error)?;
        Ok(row.map(UserRow::into_user))
    }

    async fn put_membership(&self, membership: &Membership) -> StoreResult<()> {
        let row = MembershipRow {
            workspace_id: membership.workspace_id.as_str().to_owned(),
            user_id: membership.user_id.as_str().to_owned(),
            role: membership.role.to_column().to_owned(),
        };
        let mut connection = self.connection().await?;
        diesel::insert_into(memberships::table)
            .values(&row)
            .on_conflict((memberships::workspace_id, memberships::user_id))
            .do_update()
            .set(memberships::role.eq(excluded(memberships::role)))
            .execute(&mut connection)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    async fn find_membership(
        &self,
        workspace_id: &WorkspaceId,
        user_id: &UserId,
    ) -> StoreResult<Option<Membership>> {
        let mut connection = self.connection().await?;
        let row = memberships::table
            .find((workspace_id.as_str(), user_id.as_str()))
            .select(MembershipRow::as_select())
            .first(&mut connection)
            .await
            .optional()
            .map_err(db_error)?;
        row.map(MembershipRow::into_membership).transpose()
    }

    async fn memberships_of_user(&self, user_id: &UserId) -> StoreResult<Vec<Membership>> {
        let mut connection = self.connection().await?;
        let rows = memberships::table
            .filter(memberships::user_id.eq(user_id.as_str()))
            .order(memberships::workspace_id)
            .select(MembershipRow::as_select())
            .load(&mut connection)
            .await
            .map_err(db_error)?;
        rows.into_iter()
            .map(MembershipRow::into_membership)
            .collect()
    }
}
