import java.sql.*;
import java.util.*;

/**
 * Runs the same statements with pgJDBC and prints what it saw, one fact per line. The test runs it
 * directly against PostgreSQL and through Sluice and compares the output.
 * usage: java -cp postgresql.jar JdbcClient.java JDBC_URL USER PASSWORD
 */
public class JdbcClient {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.setProperty("user", args[1]);
    props.setProperty("password", args[2]);
    props.setProperty("prepareThreshold", "1"); // server-side prepared statements from the first use
    try (Connection conn = DriverManager.getConnection(args[0], props)) {
      try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT id, name, price FROM items ORDER BY id LIMIT 20")) {
        while (rs.next()) System.out.println("row " + rs.getInt(1) + " " + rs.getString(2) + " " + rs.getBigDecimal(3));
      }
      try (PreparedStatement ps = conn.prepareStatement("SELECT name FROM items WHERE id = ?")) {
        for (int id : new int[] {3, 7, 11}) {
          ps.setInt(1, id);
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) System.out.println("param " + rs.getString(1));
          }
        }
      }
      conn.setAutoCommit(false);
      try (Statement st = conn.createStatement()) {
        st.setFetchSize(5); // a portal read in batches: Execute with a row limit, PortalSuspended
        try (ResultSet rs = st.executeQuery("SELECT id FROM items ORDER BY id LIMIT 17")) {
          int n = 0;
          while (rs.next()) n += rs.getInt(1);
          System.out.println("fetched sum " + n);
        }
      }
      conn.rollback();
      try (Statement st = conn.createStatement()) {
        st.executeQuery("SELECT 1/0");
      } catch (SQLException e) {
        System.out.println("error " + e.getSQLState());
      }
      conn.rollback();
      try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("SELECT 42")) {
        rs.next();
        System.out.println("after error " + rs.getInt(1));
      }
    }
  }
}
